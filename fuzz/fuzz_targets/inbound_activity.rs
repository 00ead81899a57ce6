//! Fuzzes what the inbox does with a body before anything is stored: JSON, the activity types
//! Rounds reads (`InboxActivity`, chosen by the activity's `type`), and for posts
//! every check and conversion the inbox applies (sender, own instance, addressing, mentions,
//! hashtags, sanitizing, content warning, title, times, web address). Nothing may panic, and the
//! sanitized HTML must never carry script: no script element, no event handler, and every link
//! an http(s) address (words such as "javascript:" in the text are only words).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rounds::federation::{activities::InboxActivity, objects::note::NoteJson};
use url::Url;

fuzz_target!(|body: &[u8]| {
    let Ok(activity) = InboxActivity::from_json(body) else {
        return;
    };
    match activity {
        InboxActivity::CreateNote(create) => exercise(&create.object, &create.actor),
        InboxActivity::UpdateNote(update) => exercise(&update.object, &update.actor),
        _ => {}
    }
});

fn exercise(note: &NoteJson, actor: &Url) {
    let _ = note.check_sent_by(actor);
    let _ = note.check_own_instance();
    let _ = note.visibility();
    let _ = note.addresses(actor);
    let _ = note.mentions();
    let _ = note.hashtags();
    let html = note.sanitized_content();
    assert_inert(&html);
    let _ = note.content_warning();
    let _ = note.title(&html);
    let _ = note.published_millis(0);
    let _ = note.page_url(false);
}

/// Fails on executable markup in sanitized HTML. The sanitizer writes every attribute value in
/// double quotes and escapes `<` in text, so tags and attributes can be read with patterns.
fn assert_inert(html: &str) {
    use std::sync::LazyLock;

    use regex::Regex;

    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());
    static ATTRIBUTE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\s([a-zA-Z-]+)="([^"]*)""#).unwrap());
    for tag in TAG.find_iter(html) {
        let tag = tag.as_str();
        let lowered = tag.to_ascii_lowercase();
        assert!(!lowered.starts_with("<script"), "a script element: {tag}");
        for attribute in ATTRIBUTE.captures_iter(tag) {
            let name = attribute[1].to_ascii_lowercase();
            assert!(!name.starts_with("on"), "an event handler: {tag}");
            assert!(name != "style", "a style attribute: {tag}");
            if name == "href" || name == "src" {
                let value = html_escape::decode_html_entities(&attribute[2]).to_ascii_lowercase();
                // The scheme is what matters: `https:\\host` is an https address to a browser.
                assert!(
                    value.starts_with("http:") || value.starts_with("https:"),
                    "a link that is not http(s): {tag}"
                );
            }
        }
    }
}
