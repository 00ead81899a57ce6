//! Activities, one file per activity: the wire struct and its `verify` / `receive`.
//! `InboxActivity` is what every inbox accepts, read by its `type` ([`InboxActivity::from_json`]);
//! [`Envelope`] is the part of it the inbox checks before verifying the signature.

pub mod accept;
pub mod announce;
pub mod boost;
pub mod create_note;
pub mod create_post;
pub mod delete;
pub mod delete_post;
pub mod flag;
pub mod follow;
pub mod ignored;
pub mod join_event;
pub mod leave_event;
pub mod like;
pub mod outgoing;
pub mod undo_follow;
pub mod undo_reaction;
pub mod update_actor;
pub mod update_note;
pub mod update_post;

use activitypub_federation::{config::Data, traits::Activity};
use serde::{de::DeserializeOwned, Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

use crate::{error::Error, state::AppState};

/// What the inbox reads of an activity before its signature is verified: id, actor and type,
/// the rest skipped unparsed. A field given twice is refused (serde's derive), so the checked id
/// and actor are the ones the activity is then read with.
#[derive(Deserialize, Debug)]
pub struct Envelope {
    #[serde(default)]
    pub id: Value,
    #[serde(default)]
    pub actor: Value,
    #[serde(default, rename = "type")]
    pub kind: Value,
}

impl Envelope {
    /// The envelope of a JSON object, or why there is none (an array would otherwise be read
    /// positionally into the fields).
    pub fn from_json(json: &[u8]) -> Result<Envelope, &'static str> {
        if json.trim_ascii_start().first() != Some(&b'{') {
            return Err("body is not valid JSON: not an object");
        }
        serde_json::from_slice(json).map_err(|err| {
            if err.to_string().starts_with("duplicate field") {
                "body is not valid JSON: the activity gives its id, actor or type twice"
            } else {
                "body is not valid JSON"
            }
        })
    }
}

/// Every activity an inbox understands, chosen by its `type`; anything else, or a handled type
/// whose JSON does not fit, is `Ignored` (which refuses the malformed ones in its `verify`).
#[derive(Debug)]
pub enum InboxActivity {
    Follow(follow::Follow),
    UndoFollow(undo_follow::UndoFollow),
    Join(join_event::Join),
    Leave(leave_event::Leave),
    CreateNote(create_note::CreateNote),
    UpdateNote(update_note::UpdateNote),
    Delete(delete::Delete),
    Like(like::Like),
    Boost(boost::Boost),
    UndoReaction(undo_reaction::UndoReaction),
    Flag(flag::Flag),
    Ignored(ignored::IgnoredActivity),
}

impl InboxActivity {
    /// Reads an activity from its JSON, by the same rules as the inbox ([`Envelope`] first).
    pub fn from_json(json: &[u8]) -> serde_json::Result<InboxActivity> {
        let envelope = Envelope::from_json(json).map_err(serde::de::Error::custom)?;
        Self::from_json_of_type(json, envelope.kind.as_str())
    }

    /// Reads an activity whose `type` (when it is one string) is `kind`, as its [`Envelope`]
    /// gave it: the JSON is parsed once more, straight into the activity of that type (no
    /// buffering, no trying of the other types); it fails only when the JSON does not fit even
    /// the catch-all `Ignored`.
    pub fn from_json_of_type(json: &[u8], kind: Option<&str>) -> serde_json::Result<Self> {
        read_as(&json, kind)
    }
}

/// Where an activity is read from: its bytes (the inbox) or a parsed value (`Deserialize`).
trait Source {
    fn read<T: DeserializeOwned>(&self) -> serde_json::Result<T>;
}

impl Source for &[u8] {
    fn read<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(self)
    }
}

impl Source for Value {
    fn read<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        T::deserialize(self)
    }
}

/// The activity of type `kind`, or `Ignored` when it is no type Rounds handles or its JSON does
/// not fit that type.
fn read_as(source: &impl Source, kind: Option<&str>) -> serde_json::Result<InboxActivity> {
    use InboxActivity as A;
    let handled = match kind {
        Some("Follow") => source.read().map(A::Follow),
        // Two kinds of Undo: of a follow, then of a like or boost.
        Some("Undo") => source
            .read()
            .map(A::UndoFollow)
            .or_else(|_| source.read().map(A::UndoReaction)),
        Some("Join") => source.read().map(A::Join),
        Some("Leave") => source.read().map(A::Leave),
        Some("Create") => source.read().map(A::CreateNote),
        Some("Update") => source.read().map(A::UpdateNote),
        Some("Delete") => source.read().map(A::Delete),
        Some("Like") => source.read().map(A::Like),
        Some("Announce") => source.read().map(A::Boost),
        Some("Flag") => source.read().map(A::Flag),
        _ => Err(serde::de::Error::custom("no type Rounds handles")),
    };
    handled.or_else(|_| source.read().map(A::Ignored))
}

/// For callers holding a deserializer rather than bytes (tests, fixtures): the same choice by
/// `type`, through a parsed value.
impl<'de> Deserialize<'de> for InboxActivity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value.get("type").and_then(Value::as_str);
        read_as(&value, kind).map_err(serde::de::Error::custom)
    }
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        match self {
            InboxActivity::Follow(activity) => activity.id(),
            InboxActivity::UndoFollow(activity) => activity.id(),
            InboxActivity::Join(activity) => activity.id(),
            InboxActivity::Leave(activity) => activity.id(),
            InboxActivity::CreateNote(activity) => activity.id(),
            InboxActivity::UpdateNote(activity) => activity.id(),
            InboxActivity::Delete(activity) => activity.id(),
            InboxActivity::Like(activity) => activity.id(),
            InboxActivity::Boost(activity) => activity.id(),
            InboxActivity::UndoReaction(activity) => activity.id(),
            InboxActivity::Flag(activity) => activity.id(),
            InboxActivity::Ignored(activity) => activity.id(),
        }
    }

    fn actor(&self) -> &Url {
        match self {
            InboxActivity::Follow(activity) => activity.actor(),
            InboxActivity::UndoFollow(activity) => activity.actor(),
            InboxActivity::Join(activity) => activity.actor(),
            InboxActivity::Leave(activity) => activity.actor(),
            InboxActivity::CreateNote(activity) => activity.actor(),
            InboxActivity::UpdateNote(activity) => activity.actor(),
            InboxActivity::Delete(activity) => activity.actor(),
            InboxActivity::Like(activity) => activity.actor(),
            InboxActivity::Boost(activity) => activity.actor(),
            InboxActivity::UndoReaction(activity) => activity.actor(),
            InboxActivity::Flag(activity) => activity.actor(),
            InboxActivity::Ignored(activity) => activity.actor(),
        }
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.verify(data).await,
            InboxActivity::UndoFollow(activity) => activity.verify(data).await,
            InboxActivity::Join(activity) => activity.verify(data).await,
            InboxActivity::Leave(activity) => activity.verify(data).await,
            InboxActivity::CreateNote(activity) => activity.verify(data).await,
            InboxActivity::UpdateNote(activity) => activity.verify(data).await,
            InboxActivity::Delete(activity) => activity.verify(data).await,
            InboxActivity::Like(activity) => activity.verify(data).await,
            InboxActivity::Boost(activity) => activity.verify(data).await,
            InboxActivity::UndoReaction(activity) => activity.verify(data).await,
            InboxActivity::Flag(activity) => activity.verify(data).await,
            InboxActivity::Ignored(activity) => activity.verify(data).await,
        }
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), Error> {
        match self {
            InboxActivity::Follow(activity) => activity.receive(data).await,
            InboxActivity::UndoFollow(activity) => activity.receive(data).await,
            InboxActivity::Join(activity) => activity.receive(data).await,
            InboxActivity::Leave(activity) => activity.receive(data).await,
            InboxActivity::CreateNote(activity) => activity.receive(data).await,
            InboxActivity::UpdateNote(activity) => activity.receive(data).await,
            InboxActivity::Delete(activity) => activity.receive(data).await,
            InboxActivity::Like(activity) => activity.receive(data).await,
            InboxActivity::Boost(activity) => activity.receive(data).await,
            InboxActivity::UndoReaction(activity) => activity.receive(data).await,
            InboxActivity::Flag(activity) => activity.receive(data).await,
            InboxActivity::Ignored(activity) => activity.receive(data).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(activity: &InboxActivity) -> String {
        format!("{activity:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Every fixture, as its server sent it, is read as the same activity from its bytes and
    /// through a parsed value.
    #[test]
    fn bytes_and_values_give_the_same_activity() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut read = 0;
        for server in std::fs::read_dir(dir).unwrap().flatten() {
            let Ok(files) = std::fs::read_dir(server.path()) else {
                continue;
            };
            for file in files.flatten() {
                // Reply fixtures are templates (tests/fixtures/README.md): filled as the
                // conversation tests fill them.
                let mut text = std::fs::read_to_string(file.path()).unwrap();
                for (slot, value) in [
                    ("{{ACTOR}}", "https://remote.example:8443/users/ada"),
                    ("{{BASE}}", "https://remote.example:8443"),
                    ("{{FORUM}}", "https://rounds.example/actors/community"),
                    ("{{NOTE}}", "https://remote.example:8443/notes/1"),
                    (
                        "{{PARENT_AUTHOR}}",
                        "https://rounds.example/actors/community",
                    ),
                    ("{{PARENT}}", "https://rounds.example/posts/1"),
                    ("{{ROUNDS_DOMAIN}}", "rounds.example"),
                ] {
                    text = text.replace(slot, value);
                }
                let json = text.into_bytes();
                if file.file_name() == "person.json" {
                    // An actor document, not an activity: no actor, not even `Ignored`.
                    assert!(InboxActivity::from_json(&json).is_err());
                    assert!(serde_json::from_slice::<InboxActivity>(&json).is_err());
                    continue;
                }
                let from_bytes = InboxActivity::from_json(&json).unwrap();
                let from_value: InboxActivity = serde_json::from_slice(&json).unwrap();
                assert_eq!(variant(&from_bytes), variant(&from_value), "{file:?}");
                let expected = match file.file_name().to_str().unwrap_or_default() {
                    "follow.json" => "Follow",
                    "undo_follow.json" => "UndoFollow",
                    "create_reply.json" | "create_mention.json" => "CreateNote",
                    other => panic!("a fixture this test does not know: {other}"),
                };
                assert_eq!(variant(&from_bytes), expected, "{file:?}");
                read += 1;
            }
        }
        assert!(read >= 16, "read {read} fixtures");
    }

    #[test]
    fn the_type_chooses_and_misfits_fall_to_ignored() {
        let like = br#"{"id": "https://m.example/l/1", "type": "Like",
            "actor": "https://m.example/users/a", "object": "https://r.example/p/1"}"#;
        assert_eq!(variant(&InboxActivity::from_json(like).unwrap()), "Like");
        let undo_like = br#"{"id": "https://m.example/u/1", "type": "Undo",
            "actor": "https://m.example/users/a", "object": {"id": "https://m.example/l/1",
            "type": "Like", "actor": "https://m.example/users/a",
            "object": "https://r.example/p/1"}}"#;
        assert_eq!(
            variant(&InboxActivity::from_json(undo_like).unwrap()),
            "UndoReaction"
        );
        // A Like without an object does not fit Like: the catch-all refuses it in `verify`.
        let broken = br#"{"id": "https://m.example/l/1", "type": "Like",
            "actor": "https://m.example/users/a"}"#;
        assert_eq!(
            variant(&InboxActivity::from_json(broken).unwrap()),
            "Ignored"
        );
        // Without an id, not even the catch-all fits.
        assert!(InboxActivity::from_json(br#"{"type": "Like"}"#).is_err());
    }

    /// The envelope is what the inbox checks before the signature: a second `id` or `actor`
    /// cannot make the checked one differ from the one acted on, and only an object is one.
    #[test]
    fn envelopes_refuse_repeated_fields_and_non_objects() {
        let once = br#"{"id": "https://a.example/1", "actor": "https://a.example/u",
            "type": "Create", "object": {"id": "https://a.example/n", "type": "Note"}}"#;
        let envelope = Envelope::from_json(once).unwrap();
        assert_eq!(envelope.id, "https://a.example/1");
        assert_eq!(envelope.kind, "Create");
        let twice = br#"{"id": "https://a.example/1", "actor": "https://a.example/u",
            "type": "Create", "id": "https://b.example/2"}"#;
        assert!(Envelope::from_json(twice).unwrap_err().contains("twice"));
        assert!(InboxActivity::from_json(twice).is_err());
        let array = br#"["https://a.example/1", "https://a.example/u", "Create"]"#;
        assert!(Envelope::from_json(array)
            .unwrap_err()
            .contains("not an object"));
        assert!(Envelope::from_json(b" \n{\"id\": 1}").is_ok());
    }
}
