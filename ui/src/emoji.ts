// Every emoji with its English and Korean names and tags (emojibase, CLDR
// annotations) and its GitHub/Discord-style shortcode, for the picker and
// for `:shortcode:` suggestions. A chunk of its own (about 1 MB of data),
// loaded the first time the picker opens or a `:` starts a shortcode.
import en from "emojibase-data/en/compact.json";
import enMessages from "emojibase-data/en/messages.json";
import github from "emojibase-data/en/shortcodes/github.json";
import ko from "emojibase-data/ko/compact.json";
import koMessages from "emojibase-data/ko/messages.json";

export interface Emoji {
  char: string;
  group: number;
  /// English and Korean names.
  en: string;
  ko: string;
  shortcodes: string[];
  /// Everything it is found by, lower case.
  words: string;
}

interface Compact {
  hexcode: string;
  label: string;
  unicode: string;
  group?: number;
  order?: number;
  tags?: string[];
}

const COMPONENT = 2; // skin tones and hair: not picked on their own

const korean = new Map((ko as Compact[]).map((e) => [e.hexcode, e]));

export const EMOJI: Emoji[] = (en as Compact[])
  .filter((e) => e.group !== undefined && e.group !== COMPONENT && e.order !== undefined)
  .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
  .map((e) => {
    const k = korean.get(e.hexcode);
    const codes = (github as Record<string, string | string[]>)[e.hexcode];
    const shortcodes = codes === undefined ? [] : Array.isArray(codes) ? codes : [codes];
    const words = [e.label, ...(e.tags ?? []), k?.label ?? "", ...(k?.tags ?? []), ...shortcodes].join(" ").toLocaleLowerCase();
    return { char: e.unicode, group: e.group ?? 0, en: e.label, ko: k?.label ?? e.label, shortcodes, words };
  });

/// The groups in order, named in `lang`.
export function groups(lang: "en" | "ko"): { group: number; name: string }[] {
  const messages = lang === "ko" ? koMessages : enMessages;
  // (English names come in lower case: "smileys & emotion".)
  const title = (s: string) => s.charAt(0).toLocaleUpperCase() + s.slice(1);
  return messages.groups.filter((g) => g.order !== COMPONENT).map((g) => ({ group: g.order, name: title(g.message) }));
}

/// Emoji matching `query` (English or Korean names and tags, shortcodes):
/// a shortcode or name that is it first, then one starting with it, then a
/// word starting with it, then anywhere; at most `max`.
export function search(query: string, max = 200): Emoji[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return [];
  const rank = (e: Emoji) => {
    const en = e.en.toLocaleLowerCase();
    if (e.shortcodes.includes(q) || en === q || e.ko === q) return 0;
    if (e.shortcodes.some((s) => s.startsWith(q)) || en.startsWith(q) || e.ko.startsWith(q)) return 1;
    if (e.words.split(" ").some((w) => w.startsWith(q))) return 2;
    return e.words.includes(q) ? 3 : 4;
  };
  // Among equals, the shortest shortcode or name that starts with it (`:smi`: smile before smiley).
  const length = (e: Emoji) =>
    Math.min(...[...e.shortcodes, e.en.toLocaleLowerCase(), e.ko].filter((s) => s.startsWith(q)).map((s) => s.length), 99);
  return EMOJI.map((e) => [rank(e), length(e), e] as const)
    .filter(([r]) => r < 4)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, max)
    .map(([, , e]) => e);
}

/// The emoji a complete shortcode stands for (`smile` → 😄).
export function byShortcode(code: string): Emoji | undefined {
  return shortcodeIndex.get(code.toLowerCase());
}

const shortcodeIndex = new Map(EMOJI.flatMap((e) => e.shortcodes.map((s) => [s, e] as const)));

/// Replaces every known `:shortcode:` in `text` with its emoji (outside
/// code, where people mean the colons).
export function replaceShortcodes(text: string): string {
  let out = "";
  let i = 0;
  let fence = false;
  let inline = false;
  while (i < text.length) {
    if (text.startsWith("```", i)) {
      fence = !fence;
      out += "```";
      i += 3;
      continue;
    }
    const c = text[i];
    if (c === "`" && !fence) inline = !inline;
    if (c === ":" && !fence && !inline) {
      const end = text.indexOf(":", i + 1);
      const code = end > i + 1 ? text.slice(i + 1, end) : "";
      const emoji = code && !/\s/.test(code) ? byShortcode(code) : undefined;
      if (emoji) {
        out += emoji.char;
        i = end + 1;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return out;
}
