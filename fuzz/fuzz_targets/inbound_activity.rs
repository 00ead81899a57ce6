//! Fuzzes what the inbox does with a body before anything is stored: JSON, the activity types
//! Rounds reads (`InboxActivity`, an untagged enum over every inbound activity), and for posts
//! every check and conversion the inbox applies (sender, own instance, addressing, mentions,
//! hashtags, sanitizing, content warning, title, times, web address). Nothing may panic, and the
//! sanitized HTML must never carry script.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rounds::federation::{activities::InboxActivity, objects::note::NoteJson};
use url::Url;

fuzz_target!(|body: &[u8]| {
    let Ok(activity) = serde_json::from_slice::<InboxActivity>(body) else {
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
    let lowered = html.to_ascii_lowercase();
    assert!(!lowered.contains("<script"), "script survived sanitizing");
    assert!(!lowered.contains("javascript:"), "javascript: survived");
    assert!(!lowered.contains(" onerror="), "event handler survived");
    let _ = note.content_warning();
    let _ = note.title(&html);
    let _ = note.published_millis(0);
    let _ = note.page_url(false);
}
