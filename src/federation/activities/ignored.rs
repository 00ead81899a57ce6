//! Any activity Rounds does not act on (yet): verified like the rest, then dropped with 202.
//!
//! Serde reaches this catch-all also when an activity of a type Rounds does handle failed to
//! parse: then it is malformed and refused (400), so that a `Create` with a number for its
//! `inReplyTo` is not mistaken for something harmless to drop.

use activitypub_federation::{config::Data, traits::Activity};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::{
    error::{Error, Result},
    federation::objects::{id_of, note::POST_TYPES},
    state::AppState,
};

/// Types that must never fall through to this catch-all: when one does, its JSON was malformed.
const HANDLED_TYPES: [&str; 7] = [
    "Follow", "Delete", "Like", "Announce", "Flag", "Join", "Leave",
];

#[derive(Deserialize, Debug)]
pub struct IgnoredActivity {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: Value,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    #[serde(default)]
    pub object: Option<Value>,
}

/// The types a `type` names: one string, or a non-empty array of strings.
fn type_names(kind: &Value) -> Option<Vec<&str>> {
    match kind {
        Value::String(name) => Some(vec![name.as_str()]),
        Value::Array(items) if !items.is_empty() => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Whether `object` is an embedded object of a type Rounds reads as a post (or of no readable
/// type at all).
fn embeds_a_post(object: &Value) -> bool {
    match object.get("type") {
        Some(kind) => {
            type_names(kind).is_none_or(|names| names.iter().any(|name| POST_TYPES.contains(name)))
        }
        None => true,
    }
}

impl IgnoredActivity {
    /// Why this activity is malformed rather than merely unhandled, if it is.
    fn malformed(&self) -> Option<String> {
        let Some(names) = type_names(&self.kind) else {
            return Some("activity type is malformed".into());
        };
        let object = self.object.as_ref().unwrap_or(&Value::Null);
        for name in names {
            let broken = match name {
                _ if HANDLED_TYPES.contains(&name) => true,
                // A Create is dropped only when it carries an object of a type Rounds does not
                // read (a chat message, say); anything else that fell through is broken.
                "Create" => !object.is_object() || embeds_a_post(object),
                // An Update of an actor or of anything but a post is dropped.
                "Update" => object.is_object() && embeds_a_post(object),
                _ => false,
            };
            if broken {
                return Some(format!("malformed {name} activity"));
            }
        }
        None
    }
}

#[async_trait::async_trait]
impl Activity for IgnoredActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        match self.malformed() {
            Some(reason) => Err(Error::BadRequest(reason)),
            None => Ok(()),
        }
    }

    async fn receive(self, _data: &Data<AppState>) -> Result<()> {
        tracing::debug!(activity = %self.id, "dropped an activity of a type Rounds does not handle");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn activity(kind: Value, object: Value) -> IgnoredActivity {
        serde_json::from_value(json!({
            "id": "https://m.example/a/1", "type": kind,
            "actor": "https://m.example/users/a", "object": object,
        }))
        .unwrap()
    }

    #[test]
    fn unknown_shapes_are_dropped_and_broken_known_ones_refused() {
        for (kind, object) in [
            (json!("Wave"), json!("https://m.example/x")),
            (
                json!(["Create", "ext:Thing"]),
                json!({"type": "ChatMessage", "id": 1}),
            ),
            (
                json!("Update"),
                json!({"type": "Person", "id": "https://m.example/users/a"}),
            ),
            (json!("Update"), json!("https://m.example/users/a")),
            (json!("Undo"), json!({"type": "Block"})),
            (json!("Add"), json!("https://m.example/x")),
        ] {
            assert_eq!(activity(kind.clone(), object).malformed(), None, "{kind}");
        }
        for (kind, object) in [
            (json!(5), json!({})),
            (json!([]), json!({})),
            (json!("Create"), json!("https://m.example/notes/1")),
            (json!("Create"), json!({"type": "Note", "id": 5})),
            (json!("Create"), json!({"type": 5})),
            (json!("Update"), json!({"type": "Note", "content": 5})),
            (json!("Follow"), json!(null)),
            (json!("Like"), json!(3)),
        ] {
            assert!(
                activity(kind.clone(), object).malformed().is_some(),
                "{kind}"
            );
        }
    }
}
