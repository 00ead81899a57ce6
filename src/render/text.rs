//! The plain text of sanitized HTML, in one pass without a parser: what screening reads, what a
//! title, an excerpt or a calendar entry shows.
//!
//! It relies on what [`super::sanitize_html`] writes: well-formed tags, every attribute value in
//! double quotes (a quote inside written `&quot;`), `<` and `>` in text written as entities, no
//! comments. A tag is dropped; one that ends a block (a paragraph, a line break, a list item, a
//! heading…) leaves a space, an inline one (a link, a `span`, emphasis) nothing, so that
//! `#<span>LongCovid</span>` reads `#LongCovid` and `555-<b>0100</b>` reads `555-0100`.

/// Tags that separate words: block elements and line breaks.
const BLOCKS: [&str; 15] = [
    "p",
    "br",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "div",
];

/// `sanitized`'s text: tags dropped, entities decoded, white space collapsed to single spaces.
pub fn plain_text(sanitized: &str) -> String {
    let mut text = String::with_capacity(sanitized.len());
    let mut rest = sanitized;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tag = &rest[start + 1..];
        let end = tag_end(tag);
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default();
        if BLOCKS.iter().any(|block| block.eq_ignore_ascii_case(name)) {
            text.push(' ');
        }
        rest = tag.get(end..).unwrap_or_default();
    }
    text.push_str(rest);
    html_escape::decode_html_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the tag whose text (after `<`) is `tag` ends: just after its `>`, skipping any `>`
/// inside a quoted attribute value; the end of `tag` if it never closes.
fn tag_end(tag: &str) -> usize {
    let mut quoted = false;
    for (at, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return at + 1,
            _ => {}
        }
    }
    tag.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sanitize_html;

    #[test]
    fn blocks_separate_words_and_inline_tags_do_not() {
        let html = sanitize_html(
            "<p>Fish &amp; chips</p><p>&lt;b&gt; <a href=\"https://a.example/\">#<span>tag</span></a>\
             </p><ul><li>one</li><li>two<br>three</li></ul><p>call 555-<b>0100</b></p>",
        );
        assert_eq!(
            plain_text(&html),
            "Fish & chips <b> #tag one two three call 555-0100"
        );
    }

    /// The sanitizer writes `>` in an attribute as `&gt;`; a `>` inside quotes is still read
    /// as part of the value.
    #[test]
    fn a_closing_bracket_in_an_attribute_is_not_the_end_of_the_tag() {
        assert_eq!(
            plain_text("<ol start=\"1\"><li value=\"2>x\">item</li></ol>"),
            "item"
        );
        assert_eq!(plain_text("<p>cut <a href=\"https://a.example/"), "cut");
    }

    /// The same characters as a parser's text (which puts no space between blocks).
    #[test]
    fn it_reads_what_a_parser_reads() {
        for html in [
            "<p>Hello <b>there</b> &amp; all</p>",
            "<p><span class=\"h-card\"><a href=\"https://m.example/@a\" class=\"u-url mention\">\
             @<span>a</span></a></span> Thanks &lt;3 &quot;quoted&quot; &#39;x&#39;</p>",
            "<pre><code>fn main() { 1 &lt; 2 }</code></pre><blockquote>q</blockquote>",
            "no tags at all",
            "<p>unclosed <em>emphasis",
        ] {
            let sanitized = sanitize_html(html);
            let parsed = ammonia::Builder::empty().clean(&sanitized).to_string();
            let parsed: String = html_escape::decode_html_entities(&parsed)
                .split_whitespace()
                .collect();
            let read: String = plain_text(&sanitized).split_whitespace().collect();
            assert_eq!(read, parsed, "{sanitized}");
        }
    }
}
