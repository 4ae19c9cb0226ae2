// Strings in English and Korean, and dates in the person's locale.
// The language follows the system unless chosen in Settings.

const en = {
  appName: "pq",
  "signin.title": "Welcome to pq",
  "signin.subtitle": "Sign in to chat with your servers.",
  "signin.google": "Continue with Google",
  "signin.kakao": "Continue with Kakao",
  "signin.other": "Other ways to sign in",
  "signin.waiting": "Finish signing in in your browser…",
  "signin.cancel": "Cancel",
  "signin.failed": "Sign-in did not finish: {reason}",
  "cache.title": "pq cannot open its offline cache",
  "cache.rebuild": "Rebuild the cache",
  "cache.explain": "Your unsent messages are kept; everything else is downloaded again.",
  "conn.connecting": "Connecting…",
  "conn.syncing": "Catching up… ({done}/{total})",
  "conn.reconnecting": "Offline. Reconnecting in {secs} s",
  "conn.retry": "Retry now",
  "conn.expired": "Your session has ended. Sign in again.",
  "servers.add": "Add a server",
  "servers.create": "Create a server",
  "servers.join": "Join with an invite",
  "servers.name": "Server name",
  "servers.image": "Image (optional)",
  "servers.none": "You are in no server yet.",
  "channels.mentions": "{n} {n:mention|mentions}",
  "welcome.title": "Welcome, {name}",
  "welcome.body": "Start a server for your friends, or paste an invite link someone sent you.",
  "channels.text": "Text channel",
  "channels.voice": "Voice channel",
  "channels.category": "Category",
  "channels.new": "New channel name",
  "channels.rename": "Rename",
  "channels.delete": "Delete",
  "channels.mute": "Mute notifications",
  "channels.unmute": "Unmute notifications",
  "channels.invite": "Invite people",
  "channels.voiceSoon": "Voice rooms are coming soon.",
  "msg.placeholder": "Message #{channel}",
  "msg.sending": "Sending…",
  "msg.failed": "Not sent: {reason}",
  "msg.retry": "Retry",
  "msg.discard": "Delete",
  "msg.edit": "Edit",
  "msg.delete": "Delete",
  "msg.reply": "Reply",
  "msg.replyingTo": "Replying to {name}",
  "msg.edited": "(edited)",
  "msg.deleted": "This message was deleted.",
  "msg.unreadBy": "{n} unread",
  "msg.empty": "This is the start of #{channel}.",
  "msg.loadOlder": "Loading older messages…",
  "msg.typing.one": "{a} is typing…",
  "msg.typing.two": "{a} and {b} are typing…",
  "msg.typing.many": "Several people are typing…",
  "msg.tooLong": "{n} {n:character|characters} too long",
  "members.title": "Members — {n}",
  "voice.inRoom": "{n} {n:person|people} in the room",
  "voice.camera": "Camera on",
  "voice.muted": "Muted",
  "voice.serverMuted": "Muted by an admin",
  "voice.deafened": "Deafened",
  "role.owner": "Owner",
  "role.admin": "Admin",
  "role.member": "Member",
  "presence.online": "Online",
  "presence.away": "Away",
  "presence.offline": "Offline",
  "search.placeholder": "Search messages",
  "search.none": "No message matches.",
  "search.results": "{n} {n:result|results}",
  "invite.title": "Invite people to {server}",
  "invite.link": "Invite link",
  "invite.copy": "Copy",
  "invite.copied": "Copied",
  "invite.expires": "Expires after",
  "invite.uses": "Max uses",
  "invite.never": "Never",
  "invite.unlimited": "No limit",
  "invite.create": "Create link",
  "invite.hour": "1 hour",
  "invite.day": "1 day",
  "invite.week": "7 days",
  "accept.title": "You are invited to",
  "accept.members": "{n} {n:member|members} · {online} online",
  "accept.from": "Invited by {name}",
  "accept.join": "Join {server}",
  "accept.already": "You are already a member.",
  "accept.open": "Open",
  "accept.code": "Invite link or code",
  "accept.look": "Look",
  "settings.title": "Settings",
  "settings.account": "Account",
  "settings.plan": "Plan: {plan}",
  "plan.free": "Free",
  "plan.basic": "Basic",
  "plan.premium": "Premium",
  "settings.signout": "Sign out",
  "settings.notifications": "Desktop notifications",
  "settings.closeToTray": "Closing the window keeps pq in the tray",
  "settings.theme": "Theme",
  "settings.language": "Language",
  "settings.system": "System",
  "settings.light": "Light",
  "settings.dark": "Dark",
  "common.cancel": "Cancel",
  "common.close": "Close",
  "common.save": "Save",
  "common.create": "Create",
  "common.error": "Something went wrong: {reason}",
  "toast.joined": "{name} joined {server}",
  "toast.admin": "Announcement from {name}",
  "toast.plan": "You are on {plan} now",
  "toast.planBody": "Your messages can be up to {limit} characters long.",
} as const;

export type Key = keyof typeof en;

const ko: Record<Key, string> = {
  appName: "pq",
  "signin.title": "pq에 오신 것을 환영합니다",
  "signin.subtitle": "로그인하고 서버에서 대화하세요.",
  "signin.google": "Google로 계속하기",
  "signin.kakao": "카카오로 계속하기",
  "signin.other": "다른 방법으로 로그인",
  "signin.waiting": "브라우저에서 로그인을 마쳐 주세요…",
  "signin.cancel": "취소",
  "signin.failed": "로그인하지 못했습니다: {reason}",
  "cache.title": "오프라인 저장소를 열 수 없습니다",
  "cache.rebuild": "저장소 다시 만들기",
  "cache.explain": "보내지 못한 메시지는 지켜지고, 나머지는 다시 받아옵니다.",
  "conn.connecting": "연결 중…",
  "conn.syncing": "밀린 메시지를 받는 중… ({done}/{total})",
  "conn.reconnecting": "오프라인. {secs}초 뒤에 다시 연결합니다",
  "conn.retry": "지금 다시 시도",
  "conn.expired": "세션이 끝났습니다. 다시 로그인해 주세요.",
  "servers.add": "서버 추가",
  "servers.create": "서버 만들기",
  "servers.join": "초대로 참가하기",
  "servers.name": "서버 이름",
  "servers.image": "이미지 (선택)",
  "servers.none": "아직 참가한 서버가 없습니다.",
  "channels.mentions": "나를 언급한 메시지 {n}개",
  "welcome.title": "{name}님, 환영합니다",
  "welcome.body": "친구들과 함께할 서버를 만들거나, 받은 초대 링크를 붙여 넣으세요.",
  "channels.text": "채팅 채널",
  "channels.voice": "음성 채널",
  "channels.category": "카테고리",
  "channels.new": "새 채널 이름",
  "channels.rename": "이름 바꾸기",
  "channels.delete": "삭제",
  "channels.mute": "알림 끄기",
  "channels.unmute": "알림 켜기",
  "channels.invite": "초대하기",
  "channels.voiceSoon": "음성 채널은 곧 열립니다.",
  "msg.placeholder": "#{channel}에 메시지 보내기",
  "msg.sending": "보내는 중…",
  "msg.failed": "보내지 못함: {reason}",
  "msg.retry": "다시 보내기",
  "msg.discard": "삭제",
  "msg.edit": "수정",
  "msg.delete": "삭제",
  "msg.reply": "답장",
  "msg.replyingTo": "{name}님에게 답장",
  "msg.edited": "(수정됨)",
  "msg.deleted": "삭제된 메시지입니다.",
  "msg.unreadBy": "{n}명 안 읽음",
  "msg.empty": "#{channel}의 첫 대화입니다.",
  "msg.loadOlder": "이전 메시지를 불러오는 중…",
  "msg.typing.one": "{a}님이 입력 중…",
  "msg.typing.two": "{a}님과 {b}님이 입력 중…",
  "msg.typing.many": "여러 명이 입력 중…",
  "msg.tooLong": "{n}자 초과",
  "members.title": "멤버 — {n}",
  "voice.inRoom": "{n}명 참여 중",
  "voice.camera": "카메라 켜짐",
  "voice.muted": "마이크 꺼짐",
  "voice.serverMuted": "관리자가 마이크를 끔",
  "voice.deafened": "소리 꺼짐",
  "role.owner": "소유자",
  "role.admin": "관리자",
  "role.member": "멤버",
  "presence.online": "온라인",
  "presence.away": "자리 비움",
  "presence.offline": "오프라인",
  "search.placeholder": "메시지 검색",
  "search.none": "일치하는 메시지가 없습니다.",
  "search.results": "결과 {n}개",
  "invite.title": "{server}에 초대하기",
  "invite.link": "초대 링크",
  "invite.copy": "복사",
  "invite.copied": "복사됨",
  "invite.expires": "만료",
  "invite.uses": "최대 사용 횟수",
  "invite.never": "없음",
  "invite.unlimited": "제한 없음",
  "invite.create": "링크 만들기",
  "invite.hour": "1시간",
  "invite.day": "1일",
  "invite.week": "7일",
  "accept.title": "초대받은 서버",
  "accept.members": "멤버 {n}명 · 온라인 {online}명",
  "accept.from": "{name}님의 초대",
  "accept.join": "{server} 참가하기",
  "accept.already": "이미 참가한 서버입니다.",
  "accept.open": "열기",
  "accept.code": "초대 링크 또는 코드",
  "accept.look": "확인",
  "settings.title": "설정",
  "settings.account": "계정",
  "settings.plan": "요금제: {plan}",
  "plan.free": "무료",
  "plan.basic": "베이직",
  "plan.premium": "프리미엄",
  "settings.signout": "로그아웃",
  "settings.notifications": "데스크톱 알림",
  "settings.closeToTray": "창을 닫아도 트레이에서 pq 유지",
  "settings.theme": "테마",
  "settings.language": "언어",
  "settings.system": "시스템",
  "settings.light": "밝게",
  "settings.dark": "어둡게",
  "common.cancel": "취소",
  "common.close": "닫기",
  "common.save": "저장",
  "common.create": "만들기",
  "common.error": "문제가 생겼습니다: {reason}",
  "toast.joined": "{name}님이 {server}에 참가했습니다",
  "toast.admin": "{name}님의 공지",
  "toast.plan": "이제 {plan} 요금제입니다",
  "toast.planBody": "메시지를 {limit}자까지 보낼 수 있습니다.",
};

export type Lang = "en" | "ko";

/// The language to use: the chosen one, else the system's.
export function resolveLang(choice: string, navigatorLang = typeof navigator !== "undefined" ? navigator.language : "en"): Lang {
  if (choice === "en" || choice === "ko") return choice;
  return navigatorLang.toLowerCase().startsWith("ko") ? "ko" : "en";
}

export function translate(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  const template = (lang === "ko" ? ko : en)[key] ?? en[key];
  return template
    // `{n:one|other}`: the word that goes with the number n.
    .replace(/\{(\w+):([^|}]*)\|([^}]*)\}/g, (_, p: string, one: string, other: string) => (params[p] === 1 ? one : other))
    .replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? `{${p}}`));
}

const locale = (lang: Lang) => (lang === "ko" ? "ko-KR" : undefined);

/// Day divider: "Wednesday, November 25, 2026" / "2026년 11월 25일 (수)".
export function formatDay(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (lang === "ko") {
    // Spelled out here: not every ICU build carries Korean names.
    const day = "일월화수목금토"[d.getDay()];
    return `${d.getFullYear()}년 ${d.getMonth() + 1}월 ${d.getDate()}일 (${day})`;
  }
  return new Intl.DateTimeFormat(locale(lang), { weekday: "long", year: "numeric", month: "long", day: "numeric" }).format(d);
}

/// Time of a message: "3:04 PM" / "오후 3:04".
export function formatTime(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (lang === "ko") {
    const h = d.getHours();
    return `${h < 12 ? "오전" : "오후"} ${h % 12 || 12}:${String(d.getMinutes()).padStart(2, "0")}`;
  }
  return new Intl.DateTimeFormat(locale(lang), { hour: "numeric", minute: "2-digit" }).format(d);
}

/// The local calendar day of a timestamp, for grouping.
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}
