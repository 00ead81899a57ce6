//! Markdown written by the Society's members, to HTML for pages and for ActivityPub `content`.
//! Hashtags (`#PatientVoices`) become links to the tag's page and `Hashtag` tags; mentions
//! (`@alice@mastodon.example`) whose actor is known become Mastodon-style `h-card` links and
//! `Mention` tags. Raw HTML in the Markdown is shown as text, never interpreted; the result goes
//! through the sanitizer last.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use url::Url;

use super::sanitize::sanitize_html;

/// `@user@host` (host with its port when it has one), lower-cased: handles are compared without
/// case, as Mastodon does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    pub user: String,
    pub host: String,
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}@{}", self.user, self.host)
    }
}

/// Rendered Markdown: sanitized HTML, and the hashtags and resolved mentions it contains.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// As written, without `#`, each once (compared without case).
    pub hashtags: Vec<String>,
    /// Mentions that became links, with the actor each names.
    pub mentions: Vec<(Handle, Url)>,
}

/// What a piece of plain text holds.
enum Piece<'a> {
    Text(&'a str),
    Hashtag(&'a str),
    Mention(Handle, &'a str),
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')
}

/// Splits plain text into text, hashtags and mentions. A `#` or `@` counts only at the start or
/// after a character that cannot be part of a word, a URL path or an address.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut index = 0;
    let bytes = text.as_bytes();
    while index < text.len() {
        let c = bytes[index];
        let boundary = text[..index].chars().next_back().is_none_or(|before| {
            !(before.is_alphanumeric()
                || matches!(before, '/' | ')' | '_' | '&' | '@' | '#' | '.' | '-'))
        });
        if boundary && (c == b'#' || c == b'@') {
            let found = if c == b'#' {
                hashtag_at(text, index)
            } else {
                mention_at(text, index)
            };
            if let Some((piece, end)) = found {
                if plain_from < index {
                    pieces.push(Piece::Text(&text[plain_from..index]));
                }
                pieces.push(piece);
                plain_from = end;
                index = end;
                continue;
            }
        }
        index += text[index..].chars().next().map_or(1, char::len_utf8);
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

/// `#name` at `start`: letters, digits and `_`, not digits alone.
fn hashtag_at(text: &str, start: usize) -> Option<(Piece<'_>, usize)> {
    let name_start = start + 1;
    let len: usize = text[name_start..]
        .chars()
        .take_while(|c| is_tag_char(*c))
        .map(char::len_utf8)
        .sum();
    let name = &text[name_start..name_start + len];
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) || name.len() > 100 {
        return None;
    }
    Some((Piece::Hashtag(name), name_start + len))
}

/// `@user@host` at `start`; the host has a dot or a port (so `@a@b` in prose is not one).
fn mention_at(text: &str, start: usize) -> Option<(Piece<'_>, usize)> {
    let rest = &text[start + 1..];
    let user_len = rest.find(|c: char| !is_user_char(c)).unwrap_or(rest.len());
    let user = rest[..user_len].trim_end_matches(['.', '-']);
    if user.is_empty() || !rest[user.len()..].starts_with('@') {
        return None;
    }
    let host_part = &rest[user.len() + 1..];
    let host_len = host_part
        .find(|c: char| !is_host_char(c))
        .unwrap_or(host_part.len());
    let host = host_part[..host_len].trim_end_matches(['.', '-', ':']);
    if host.is_empty() || !(host.contains('.') || host.contains(':')) {
        return None;
    }
    let end = start + 1 + user.len() + 1 + host.len();
    let handle = Handle {
        user: user.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
    };
    Some((Piece::Mention(handle, &text[start..end]), end))
}

/// The `@user@host` mentions in a Markdown text (outside code), each once, in order.
pub fn find_mentions(markdown: &str) -> Vec<Handle> {
    let mut found: Vec<Handle> = Vec::new();
    let mut in_code = 0;
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code -= 1,
            Event::Text(text) if in_code == 0 => {
                for piece in pieces(&text) {
                    if let Piece::Mention(handle, _) = piece {
                        if !found.contains(&handle) {
                            found.push(handle);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Renders `markdown` to sanitized HTML. Hashtags link to `tag_base` + the lower-cased name;
/// mentions found in `actors` link to their actor.
pub fn render_markdown(markdown: &str, tag_base: &Url, actors: &HashMap<Handle, Url>) -> Rendered {
    let mut rendered = Rendered::default();
    let mut events = Vec::new();
    let mut in_code = 0;
    let mut in_link = 0;
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                events.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code -= 1;
                events.push(event);
            }
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                events.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link -= 1;
                events.push(event);
            }
            // Raw HTML is shown as what it is: text.
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Text(text) if in_code == 0 && in_link == 0 => {
                for piece in pieces(&text) {
                    match piece {
                        Piece::Text(plain) => {
                            events.push(Event::Text(CowStr::from(plain.to_string())))
                        }
                        Piece::Hashtag(name) => {
                            let href = tag_base
                                .join(&name.to_lowercase())
                                .map_or_else(|_| tag_base.to_string(), String::from);
                            events.push(Event::InlineHtml(CowStr::from(format!(
                                "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                                html_escape::encode_double_quoted_attribute(&href),
                                html_escape::encode_text(name)
                            ))));
                            if !rendered
                                .hashtags
                                .iter()
                                .any(|known| known.to_lowercase() == name.to_lowercase())
                            {
                                rendered.hashtags.push(name.to_string());
                            }
                        }
                        Piece::Mention(handle, written) => match actors.get(&handle) {
                            Some(actor) => {
                                events.push(Event::InlineHtml(CowStr::from(format!(
                                    "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                                    html_escape::encode_double_quoted_attribute(actor.as_str()),
                                    html_escape::encode_text(&written[1..written.len() - handle.host.len() - 1])
                                ))));
                                if !rendered.mentions.iter().any(|(known, _)| *known == handle) {
                                    rendered.mentions.push((handle, actor.clone()));
                                }
                            }
                            None => events.push(Event::Text(CowStr::from(written.to_string()))),
                        },
                    }
                }
            }
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    rendered.html = sanitize_html(&html);
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(markdown: &str) -> Rendered {
        let mut actors = HashMap::new();
        actors.insert(
            Handle {
                user: "alice".into(),
                host: "mastodon.example".into(),
            },
            Url::parse("https://mastodon.example/users/alice").unwrap(),
        );
        render_markdown(
            markdown,
            &Url::parse("https://spm.example/tags/").unwrap(),
            &actors,
        )
    }

    #[test]
    fn markdown_becomes_html() {
        let out = render("**Shared decisions** and *care*.\n\n- one\n- two\n\n[paper](https://doi.org/10.2196/x)");
        assert!(
            out.html.contains("<strong>Shared decisions</strong>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<em>care</em>"));
        assert!(out.html.contains("<li>one</li>"));
        assert!(out.html.contains(
            r#"<a href="https://doi.org/10.2196/x" rel="nofollow noopener noreferrer">paper</a>"#
        ), "{}", out.html);
    }

    #[test]
    fn raw_html_and_script_urls_do_not_survive() {
        let out = render("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<div onclick=\"x()\">block</div>");
        let html = out.html.to_ascii_lowercase();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "shown as text: {html}");
    }

    #[test]
    fn hashtags_become_links_and_tags() {
        let out = render("Talking #PatientVoices and #caregiving, again #patientvoices; not #123, not a#b, not `#code`, not https://x.org/#frag");
        assert_eq!(out.hashtags, ["PatientVoices", "caregiving"]);
        assert!(out.html.contains(
            r#"<a href="https://spm.example/tags/patientvoices" class="mention hashtag" rel="nofollow noopener noreferrer">#<span>PatientVoices</span></a>"#
        ), "{}", out.html);
        assert_eq!(out.html.matches("class=\"mention hashtag\"").count(), 3);
    }

    #[test]
    fn known_mentions_become_h_cards_and_others_stay_text() {
        let out = render("Thanks @alice@mastodon.example and @bob@unknown.example; mail me at carol@clinic.example.");
        assert_eq!(out.mentions.len(), 1);
        assert_eq!(
            out.mentions[0].1.as_str(),
            "https://mastodon.example/users/alice"
        );
        assert!(out.html.contains(
            r#"<span class="h-card"><a href="https://mastodon.example/users/alice" class="u-url mention" rel="nofollow noopener noreferrer">@<span>alice</span></a></span>"#
        ), "{}", out.html);
        assert!(out.html.contains("@bob@unknown.example"));
        assert!(out.html.contains("carol@clinic.example"));
    }

    #[test]
    fn mentions_are_found_once_outside_code() {
        let found = find_mentions("@alice@mastodon.example, @Alice@Mastodon.example and @bob@localhost:7001.\n\n```\n@eve@evil.example\n```\n\nnot @a@b or x@y.example");
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["@alice@mastodon.example", "@bob@localhost:7001"]);
    }
}
