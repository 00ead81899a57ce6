//! The envelope every activity we send about a post shares (`Create`, `Update`, `Delete`,
//! `Announce`): who sends it, what it carries, and its addressing. Each activity's file builds
//! its own.

use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::federation::objects::post::{carries_event, object_context};

#[derive(Serialize, Debug, Clone)]
pub struct Outgoing {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: Url,
    pub object: Value,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

impl Outgoing {
    pub fn new(kind: &'static str, id: Url, actor: Url, object: Value) -> Outgoing {
        Outgoing {
            context: object_context(carries_event(&object)),
            id,
            kind,
            actor,
            object,
            to: Vec::new(),
            cc: Vec::new(),
            audience: None,
            published: None,
        }
    }

    /// The JSON as it will be sent (and stored in the delivery queue).
    pub fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// This activity as the object of another (an `Announce`), without its own `@context`.
    pub fn embedded(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("@context");
        }
        value
    }
}

/// An id unique to one activity about `base`: `base#what/` then the time in milliseconds and
/// 64 random bits, in hexadecimal (`…#announces/19ac4f2e1b70123456789abcdef`). Ids made later
/// sort later, so that the delivery queue's index of activity ids grows at its end instead of
/// taking a write at a random place for each (a reply's `Announce` is one).
pub fn unique_id(base: &Url, what: &str) -> Url {
    let token: u64 = rand::random();
    let millis = crate::db::now_millis().max(0);
    let mut id = base.clone();
    id.set_fragment(Some(&format!("{what}/{millis:011x}{token:016x}")));
    id
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn defines_event_terms(activity: &Outgoing) -> bool {
        activity.context[1].get("mz").is_some() && activity.context[1].get("joinMode").is_some()
    }

    #[test]
    fn unique_ids_made_later_sort_later() {
        let base = Url::parse("https://spm.example/actors/community").unwrap();
        let first = unique_id(&base, "announces");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = unique_id(&base, "announces");
        assert!(first.as_str() < second.as_str(), "{first} then {second}");
        assert_ne!(unique_id(&base, "announces"), unique_id(&base, "announces"));
        let token = first
            .fragment()
            .unwrap()
            .strip_prefix("announces/")
            .unwrap();
        assert_eq!(token.len(), 27);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn event_terms_only_where_an_event_is_carried() {
        let actor = Url::parse("https://spm.example/actors/community").unwrap();
        let id = |n: &str| Url::parse(&format!("https://spm.example/posts/{n}")).unwrap();
        let note = Outgoing::new(
            "Create",
            id("1/activity"),
            actor.clone(),
            json!({"type": "Note"}),
        );
        let event = Outgoing::new(
            "Create",
            id("2/activity"),
            actor.clone(),
            json!({"type": "Event"}),
        );
        assert!(!defines_event_terms(&note));
        assert_eq!(note.context[1]["Hashtag"], "as:Hashtag");
        assert!(defines_event_terms(&event));
        let announced = |inner: &Outgoing| {
            Outgoing::new(
                "Announce",
                id("3/announce"),
                actor.clone(),
                inner.embedded(),
            )
        };
        assert!(!defines_event_terms(&announced(&note)));
        assert!(defines_event_terms(&announced(&event)));
    }
}
