//! The one HTML sanitizer (ammonia), with an allowlist fitting what Mastodon and its peers send:
//! paragraphs, line breaks, links, emphasis, code, quotes, lists, and the classes of mentions and
//! hashtags. No scripts, styles, event handlers, images, forms or frames; links only to http(s),
//! opened with `rel="nofollow noopener noreferrer"`.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

use url::Url;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "a",
        "span",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    ]
    .into_iter()
    .collect();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", ["href"].into_iter().collect());
    attributes.insert("ol", ["start", "reversed"].into_iter().collect());
    attributes.insert("li", ["value"].into_iter().collect());
    let mut classes: HashMap<&str, HashSet<&str>> = HashMap::new();
    classes.insert(
        "a",
        [
            "mention",
            "hashtag",
            "u-url",
            "status-link",
            "unhandled-link",
        ]
        .into_iter()
        .collect(),
    );
    classes.insert(
        "span",
        ["h-card", "invisible", "ellipsis", "mention", "hashtag"]
            .into_iter()
            .collect(),
    );
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .allowed_classes(classes)
        .url_schemes(["http", "https"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            if element == "a" && attribute == "href" {
                // The address written out again as the URL standard reads it. The scheme check
                // above reads it the same way, and so do browsers, which forgive leading control
                // characters, tabs and newlines inside; stored HTML should not depend on that
                // forgiveness (nor carry stray quotes or spaces into the address).
                return Url::parse(value).ok().map(|url| Cow::Owned(url.into()));
            }
            Some(Cow::Borrowed(value))
        })
        .strip_comments(true);
    builder
});

/// `html` with everything outside the allowlist removed (dangerous elements with their content).
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Mastodon 4.x status `content`: mention, hashtag, link with invisible parts.
    const MASTODON: &str = r##"<p><span class="h-card" translate="no"><a href="https://spm.example/actors/community" class="u-url mention">@<span>community</span></a></span> Thanks! See <a href="https://example.org/a/very/long/path" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">example.org/a/very/lo</span><span class="invisible">ng/path</span></a> <a href="https://mastodon.example/tags/PatientVoices" class="mention hashtag" rel="tag">#<span>PatientVoices</span></a></p><p>Second<br />line</p>"##;

    #[test]
    fn mastodon_content_keeps_its_shape() {
        let clean = sanitize_html(MASTODON);
        for kept in [
            r#"<span class="h-card">"#,
            r#"class="u-url mention""#,
            r#"<span class="invisible">https://</span>"#,
            r#"class="mention hashtag""#,
            "<br>",
            "<p>Second",
        ] {
            assert!(clean.contains(kept), "{kept} missing from {clean}");
        }
        assert!(
            clean.contains(r#"rel="nofollow noopener noreferrer""#),
            "{clean}"
        );
        assert!(!clean.contains("target="), "{clean}");
        assert!(!clean.contains("translate="), "{clean}");
    }

    /// A link whose address starts with a control character (a flipped bit in `\"` gives `\b`)
    /// and ends in a quote: the URL standard ignores the first and the sanitizer accepted it as
    /// https, so the stored link is the address as parsed (found by fuzzing).
    #[test]
    fn links_are_stored_as_parsed() {
        let clean = sanitize_html(
            "<a href=\u{8}https://remote.example/tags/longcovid\" class=\"mention hashtag\">#x</a> \
             <a href=\" https://remote.example/a b\">y</a> <a href=\"ht\ttps://remote.example/\">z</a>",
        );
        assert!(
            clean.contains(r#"<a href="https://remote.example/tags/longcovid%22""#),
            "{clean}"
        );
        assert!(
            clean.contains(r#"<a href="https://remote.example/a%20b""#),
            "{clean}"
        );
        assert!(
            clean.contains(r#"<a href="https://remote.example/""#),
            "{clean}"
        );
        assert!(!clean.contains('\u{8}'), "{clean:?}");
    }

    #[test]
    fn nothing_executable_survives() {
        let payloads = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "<svg onload=alert(1)><circle/></svg>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<p onclick=\"alert(1)\">x</p>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<style>body{display:none}</style>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<p>unclosed <b>bold <script>alert(1)",
            "<form action=\"https://evil.example\"><input name=x></form>",
            "<a href=\"/relative\">x</a>",
        ];
        for payload in payloads {
            let clean = sanitize_html(payload).to_ascii_lowercase();
            for forbidden in [
                "<script",
                "onerror",
                "onload",
                "onclick",
                "javascript:",
                "data:",
                "<svg",
                "style",
                "<iframe",
                "<img",
                "<form",
                "<input",
                "href=\"/relative",
            ] {
                assert!(
                    !clean.contains(forbidden),
                    "{forbidden} survived in {clean:?} (from {payload:?})"
                );
            }
        }
    }
}
