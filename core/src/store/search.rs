//! Text analysis for full-text search that works in every script.
//!
//! FTS5's `unicode61` tokenizer splits on spaces and punctuation, which is
//! right for English and wrong for scripts written without spaces (Chinese,
//! Japanese, Thai) and for Korean, where particles glue onto words
//! ("사람이", "사람들은"): a search for "사람" would miss them. The trigram
//! tokenizer finds substrings but not ones shorter than three characters, and
//! most Chinese and Korean words are two.
//!
//! So pq indexes derived *terms* instead of the raw body:
//! - runs of letters and digits in spaced scripts become one term each
//!   ("Hello" → `hello`);
//! - runs of characters from scripts without reliable spaces (Hangul, Han,
//!   Kana, Thai, Lao, Khmer, Myanmar) become their overlapping pairs plus the
//!   last character alone ("안녕하세요" → `안녕 녕하 하세 세요 요`), the
//!   approach of Lucene's CJK analyzer.
//!
//! A query is analysed the same way: a pair run becomes a phrase of its pairs
//! (consecutive, so it matches exactly the substring), a single such
//! character becomes a prefix term, and the last spaced word becomes a prefix
//! so results appear while typing. All parts must match.

/// Whether `c` belongs to a script written without spaces between words (or,
/// for Hangul, with particles attached to words).
fn pairwise(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF      // Hangul Jamo
        | 0x3130..=0x318F    // Hangul compatibility Jamo
        | 0xA960..=0xA97F    // Hangul Jamo extended A
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xD7B0..=0xD7FF    // Hangul Jamo extended B
        | 0x3040..=0x309F    // Hiragana
        | 0x30A0..=0x30FF    // Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F  // CJK extensions B–F, compatibility supplement
        | 0x0E00..=0x0E7F    // Thai
        | 0x0E80..=0x0EFF    // Lao
        | 0x1780..=0x17FF    // Khmer
        | 0x1000..=0x109F    // Myanmar
    )
}

/// One analysed piece of text.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// A word of a spaced script, lowercased.
    Word(String),
    /// A run of pairwise-script characters, lowercased.
    Run(Vec<char>),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |w: &mut String, out: &mut Vec<Piece>| {
        if !w.is_empty() {
            out.push(Piece::Word(std::mem::take(w)));
        }
    };
    let flush_run = |r: &mut Vec<char>, out: &mut Vec<Piece>| {
        if !r.is_empty() {
            out.push(Piece::Run(std::mem::take(r)));
        }
    };
    for c in text.chars() {
        if pairwise(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() || (is_mark(c) && !word.is_empty()) {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// Combining accents (decomposed text) stay with their letter. (Marks of
/// pairwise scripts, such as Thai vowels, are simply part of the run.)
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// The terms to index for a message body.
#[must_use]
pub fn index_terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for piece in pieces(text) {
        match piece {
            Piece::Word(w) => {
                out.push_str(&w);
                out.push(' ');
            }
            Piece::Run(r) => {
                for pair in r.windows(2) {
                    out.extend(pair);
                    out.push(' ');
                }
                if let Some(last) = r.last() {
                    out.push(*last);
                    out.push(' ');
                }
            }
        }
    }
    out.pop();
    out
}

fn quote(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// The FTS5 `MATCH` expression for what someone typed, or `None` when it has
/// nothing searchable (only spaces or punctuation).
#[must_use]
pub fn match_query(query: &str) -> Option<String> {
    let pieces = pieces(query);
    let last_word = pieces.iter().rposition(|p| matches!(p, Piece::Word(_)));
    let mut parts = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Word(w) if Some(i) == last_word && i == pieces.len() - 1 => parts.push(format!("{}*", quote(w))),
            Piece::Word(w) => parts.push(quote(w)),
            Piece::Run(r) if r.len() == 1 => parts.push(format!("{}*", quote(&r[0].to_string()))),
            Piece::Run(r) => {
                let pairs: Vec<String> = r.windows(2).map(|p| p.iter().collect()).collect();
                parts.push(quote(&pairs.join(" ")));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The same test as the index, done directly on a body: for the few
/// messages not indexed yet. (Accents are not folded here, as they are in
/// the index.)
#[derive(Debug)]
pub struct Matcher {
    words: Vec<(String, bool)>,
    runs: Vec<String>,
}

impl Matcher {
    /// A matcher for what was typed; `None` when nothing is searchable.
    #[must_use]
    pub fn new(query: &str) -> Option<Self> {
        let pieces = pieces(query);
        let n = pieces.len();
        let mut words = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in pieces.into_iter().enumerate() {
            match p {
                Piece::Word(w) => words.push((w, i == n - 1)),
                Piece::Run(r) => runs.push(r.into_iter().collect()),
            }
        }
        (!(words.is_empty() && runs.is_empty())).then_some(Self { words, runs })
    }

    /// Whether `body` has every word and character run of the query.
    #[must_use]
    pub fn matches(&self, body: &str) -> bool {
        let lower = body.to_lowercase();
        if !self.runs.iter().all(|r| lower.contains(r.as_str())) {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let body_words: Vec<String> =
            pieces(body).into_iter().filter_map(|p| if let Piece::Word(w) = p { Some(w) } else { None }).collect();
        self.words
            .iter()
            .all(|(w, prefix)| body_words.iter().any(|b| if *prefix { b.starts_with(w.as_str()) } else { b == w }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_scripts_become_words() {
        assert_eq!(index_terms("Hello, World! café 42"), "hello world café 42");
        assert_eq!(match_query("hello wor"), Some(r#""hello" "wor"*"#.into()));
    }

    #[test]
    fn korean_becomes_pairs() {
        assert_eq!(index_terms("안녕하세요"), "안녕 녕하 하세 세요 요");
        assert_eq!(index_terms("사람이 왔다"), "사람 람이 이 왔다 다");
        assert_eq!(match_query("사람"), Some(r#""사람""#.into()));
        assert_eq!(match_query("안녕하"), Some(r#""안녕 녕하""#.into()));
        assert_eq!(match_query("밥"), Some(r#""밥"*"#.into()));
    }

    #[test]
    fn mixed_and_other_scripts() {
        assert_eq!(index_terms("pq는 좋아"), "pq 는 좋아 아");
        assert_eq!(index_terms("東京タワー"), "東京 京タ タワ ワー ー");
        assert_eq!(index_terms("สวัสดี"), "สว วั ัส สด ดี ี");
        assert_eq!(match_query("  ,.  "), None);
        assert_eq!(match_query("say \"hi\""), Some(r#""say" "hi"*"#.into()));
    }

    #[test]
    fn the_matcher_agrees_with_the_index() {
        let m = Matcher::new("사람 meet").unwrap();
        assert!(m.matches("오늘 사람이 Meeting 했어요"));
        assert!(!m.matches("오늘 사람이 왔어요"));
        assert!(Matcher::new("北京").unwrap().matches("我们明天去北京"));
        assert!(!Matcher::new("meeting tomorrow").unwrap().matches("meetings tomorrow"));
        assert!(Matcher::new(" ,. ").is_none());
    }
}
