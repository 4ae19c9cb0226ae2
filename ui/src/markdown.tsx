// Messages as people write them in Discord: **bold**, *italic*, ~~strike~~,
// `code`, fenced code blocks (highlighted once the highlighter has loaded),
// > quotes, lists, ||spoilers||, headings and links, bare or masked.
//
// The text is parsed by `marked`'s lexer (GFM, a line break is a break) and
// its tokens are turned into React elements here: no HTML string is ever
// built from what someone wrote, raw HTML in a message stays text, images
// are links (nothing is fetched from a message), and a link is followable
// only to http(s) or mailto.
import { Marked, type Token, type Tokens, type TokenizerExtension } from "marked";
import { type ReactNode, memo, useEffect, useMemo, useState } from "react";

/// `||hidden until clicked||`, parsed inside the paragraph like `~~`.
const spoiler: TokenizerExtension = {
  name: "spoiler",
  level: "inline",
  start(src) {
    const i = src.indexOf("||");
    return i < 0 ? undefined : i;
  },
  tokenizer(src) {
    if (!src.startsWith("||")) return undefined;
    const end = src.indexOf("||", 2);
    if (end <= 2) return undefined;
    return { type: "spoiler", raw: src.slice(0, end + 2), tokens: this.lexer.inlineTokens(src.slice(2, end)) };
  },
};

const parser = new Marked({ gfm: true, breaks: true, extensions: [spoiler] });

/// The schemes a link in a message may open.
const FOLLOWABLE = new Set(["http:", "https:", "mailto:"]);

/// The address a link opens, or null when it is not one pq opens.
export function followable(href: string): string | null {
  try {
    const url = new URL(href);
    return FOLLOWABLE.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/// Whether a link's text hides where it goes: `[my bank](https://evil.example)`.
/// A bare address, or text that is the address, is not masked.
export function isMasked(text: string, href: string): boolean {
  const plain = (s: string) => s.trim().replace(/\/+$/, "").toLowerCase();
  return plain(text) !== plain(href) && plain(`https://${text}`) !== plain(href) && plain(`http://${text}`) !== plain(href);
}

/// What a click on a link does (the app asks first for masked links).
export type OnLink = (href: string, masked: boolean) => void;

/// A message body rendered (memoised on the text).
export const Markdown = memo(function Markdown({ text, onLink }: { text: string; onLink: OnLink }) {
  const tokens = useMemo(() => parser.lexer(text), [text]);
  return <>{blocks(tokens, onLink)}</>;
});

/// Whether a text has anything Markdown would change (for the composer's preview).
export function hasFormatting(text: string): boolean {
  const tokens = parser.lexer(text);
  const plain = (ts: Token[]): boolean =>
    ts.every(
      (t) =>
        t.type === "space" ||
        t.type === "br" ||
        (t.type === "text" && (!("tokens" in t) || !t.tokens || plain(t.tokens))) ||
        (t.type === "paragraph" && plain((t as Tokens.Paragraph).tokens)),
    );
  return !plain(tokens);
}

/// The words of a text without its formatting (for a reply's one-line quote).
export function plainText(text: string): string {
  const words = (ts: Token[]): string =>
    ts
      .map((t) => {
        if ("tokens" in t && t.tokens) return words(t.tokens);
        if (t.type === "list") return (t as Tokens.List).items.map((i) => words(i.tokens)).join(" ");
        if (t.type === "br" || t.type === "space") return " ";
        return "text" in t ? String(t.text) : t.raw;
      })
      .join(separator(ts));
  return words(parser.lexer(text)).replace(/\s+/g, " ").trim();
}

/// Blocks are separated by a space, inline pieces by nothing.
function separator(ts: Token[]): string {
  return ts.some((t) => t.type === "paragraph" || t.type === "code" || t.type === "list" || t.type === "heading") ? " " : "";
}

function blocks(tokens: Token[], onLink: OnLink): ReactNode[] {
  return tokens.map((t, i) => block(t, i, onLink));
}

function block(t: Token, key: number, onLink: OnLink): ReactNode {
  switch (t.type) {
    case "paragraph":
      return <p key={key}>{inline((t as Tokens.Paragraph).tokens, onLink)}</p>;
    case "text": {
      const text = t as Tokens.Text;
      return <span key={key}>{text.tokens ? inline(text.tokens, onLink) : text.text}</span>;
    }
    case "code": {
      const code = t as Tokens.Code;
      return <CodeBlock key={key} lang={code.lang ?? ""} text={code.text} />;
    }
    case "blockquote":
      return <blockquote key={key}>{blocks((t as Tokens.Blockquote).tokens, onLink)}</blockquote>;
    case "list": {
      const list = t as Tokens.List;
      const items = list.items.map((item, j) => <li key={j}>{blocks(item.tokens, onLink)}</li>);
      return list.ordered ? (
        <ol key={key} start={typeof list.start === "number" ? list.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case "heading": {
      const h = t as Tokens.Heading;
      const Tag = (["h3", "h4", "h5"] as const)[Math.min(h.depth, 3) - 1];
      return <Tag key={key}>{inline(h.tokens, onLink)}</Tag>;
    }
    case "hr":
      return <hr key={key} />;
    case "space":
      return null;
    default:
      // Tables, raw HTML, link definitions: shown as typed.
      return (
        <p key={key} className="md-raw">
          {t.raw.replace(/\n+$/, "")}
        </p>
      );
  }
}

function inline(tokens: Token[], onLink: OnLink): ReactNode[] {
  return tokens.map((t, i) => span(t, i, onLink));
}

function span(t: Token, key: number, onLink: OnLink): ReactNode {
  switch (t.type) {
    case "text": {
      const text = t as Tokens.Text;
      return text.tokens ? <span key={key}>{inline(text.tokens, onLink)}</span> : text.text;
    }
    case "escape":
      return (t as Tokens.Escape).text;
    case "strong":
      return <strong key={key}>{inline((t as Tokens.Strong).tokens, onLink)}</strong>;
    case "em":
      return <em key={key}>{inline((t as Tokens.Em).tokens, onLink)}</em>;
    case "del":
      return <s key={key}>{inline((t as Tokens.Del).tokens, onLink)}</s>;
    case "codespan":
      return <code key={key}>{(t as Tokens.Codespan).text}</code>;
    case "br":
      return <br key={key} />;
    case "spoiler":
      return <Spoiler key={key}>{inline((t as Tokens.Generic).tokens ?? [], onLink)}</Spoiler>;
    case "link": {
      const link = t as Tokens.Link;
      return (
        <Link key={key} href={link.href} text={link.text} onLink={onLink}>
          {inline(link.tokens, onLink)}
        </Link>
      );
    }
    case "image": {
      // Never fetched from a message: a link to it.
      const image = t as Tokens.Image;
      return (
        <Link key={key} href={image.href} text={image.text || image.href} onLink={onLink}>
          {image.text || image.href}
        </Link>
      );
    }
    default:
      // Raw HTML and anything else: the characters typed.
      return t.raw;
  }
}

function Link({ href, text, onLink, children }: { href: string; text: string; onLink: OnLink; children: ReactNode }) {
  const target = followable(href);
  if (!target) return <>{rawLink(text, href)}</>;
  const masked = isMasked(text, target);
  return (
    <a
      href={target}
      className={masked ? "masked" : undefined}
      title={target}
      onClick={(e) => {
        e.preventDefault();
        onLink(target, masked);
      }}
    >
      {children}
    </a>
  );
}

/// A link pq does not open, shown as written.
function rawLink(text: string, href: string): string {
  return text === href ? text : `[${text}](${href})`;
}

function Spoiler({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(false);
  return (
    <span
      className={`spoiler${shown ? " shown" : ""}`}
      role={shown ? undefined : "button"}
      tabIndex={shown ? undefined : 0}
      onClick={() => setShown(true)}
      onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && setShown(true)}
    >
      {children}
    </span>
  );
}

/// The highlighter, loaded on the first code block (it is not needed to start).
let highlighter: Promise<typeof import("./highlight")> | null = null;

function CodeBlock({ lang, text }: { lang: string; text: string }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    if (!lang) return;
    let live = true;
    highlighter ??= import("./highlight");
    void highlighter.then((h) => {
      const out = h.highlight(text, lang);
      if (live && out !== null) setHtml(out);
    });
    return () => {
      live = false;
    };
  }, [lang, text]);
  return (
    <pre className="code-block" data-lang={lang || undefined}>
      {html === null ? (
        <code>{text}</code>
      ) : (
        // highlight.js escapes the code; what it adds is its own <span class="hljs-…">.
        <code className="hljs" dangerouslySetInnerHTML={{ __html: html }} />
      )}
    </pre>
  );
}
