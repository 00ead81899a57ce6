//! Follow and Undo(Follow) as Mastodon, Lemmy, Misskey, GoToSocial and Fedify send them parse
//! into the right inbox variant, with the ids read correctly. Pure parsing: no network.

use rounds::federation::activities::{undo_follow::UndoneFollow, InboxActivity};

fn fixture(path: &str) -> InboxActivity {
    let text = std::fs::read_to_string(format!("tests/fixtures/{path}")).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

const SERVERS: [&str; 5] = ["mastodon", "lemmy", "misskey", "gotosocial", "fedify"];

#[test]
fn follows_parse_from_every_server() {
    for server in SERVERS {
        match fixture(&format!("{server}/follow.json")) {
            InboxActivity::Follow(follow) => {
                assert_eq!(follow.id.host(), follow.actor.host(), "{server}");
                assert_ne!(follow.object, follow.actor, "{server}");
            }
            other => panic!("{server}: parsed as {other:?}"),
        }
    }
}

#[test]
fn undos_of_follows_parse_from_every_server() {
    for server in SERVERS {
        let InboxActivity::Follow(follow) = fixture(&format!("{server}/follow.json")) else {
            panic!("{server}: follow did not parse");
        };
        match fixture(&format!("{server}/undo_follow.json")) {
            InboxActivity::UndoFollow(undo) => {
                assert_eq!(undo.actor, follow.actor, "{server}");
                let UndoneFollow::Embedded(undone) = undo.object else {
                    panic!("{server}: the Follow should be embedded");
                };
                assert_eq!(undone.actor, undo.actor, "{server}");
                assert_eq!(undone.object, follow.object, "{server}");
            }
            other => panic!("{server}: parsed as {other:?}"),
        }
    }
}

#[test]
fn reactions_are_read_and_unknown_activities_fall_through_to_the_catch_all() {
    let like = r#"{"id": "https://m.example/likes/1", "type": "Like",
        "actor": "https://m.example/users/a", "object": "https://spm.example/x"}"#;
    assert!(matches!(
        serde_json::from_str::<InboxActivity>(like).unwrap(),
        InboxActivity::Like(_)
    ));
    let undo_like = r#"{"id": "https://m.example/likes/1/undo", "type": "Undo",
        "actor": "https://m.example/users/a",
        "object": {"id": "https://m.example/likes/1", "type": "Like", "actor": "https://m.example/users/a", "object": "https://spm.example/x"}}"#;
    assert!(matches!(
        serde_json::from_str::<InboxActivity>(undo_like).unwrap(),
        InboxActivity::UndoReaction(_)
    ));
    // A Lemmy community relaying a Create is an Announce, but not a boost of a post.
    let relay = r#"{"id": "https://l.example/activities/announce/1", "type": "Announce",
        "actor": "https://l.example/c/main",
        "object": {"id": "https://l.example/activities/create/1", "type": "Create",
                   "actor": "https://l.example/u/a", "object": {"id": "https://l.example/post/1", "type": "Page"}}}"#;
    match serde_json::from_str::<InboxActivity>(relay).unwrap() {
        InboxActivity::Boost(boost) => assert!(boost.boosted().is_none()),
        other => panic!("parsed as {other:?}"),
    }
    // A profile update is not a post edit; a Move or an emoji reaction is not understood.
    for unknown in [
        r#"{"id": "https://m.example/u/a#updates/1", "type": "Update", "actor": "https://m.example/users/a",
            "object": {"id": "https://m.example/users/a", "type": "Person", "inbox": "https://m.example/users/a/inbox"}}"#,
        r#"{"id": "https://m.example/moves/1", "type": "Move", "actor": "https://m.example/users/a",
            "object": "https://m.example/users/a", "target": "https://n.example/users/a"}"#,
        r#"{"id": "https://k.example/reactions/1", "type": "EmojiReact", "actor": "https://k.example/users/a",
            "object": "https://spm.example/posts/1", "content": "👍"}"#,
    ] {
        assert!(
            matches!(
                serde_json::from_str::<InboxActivity>(unknown).unwrap(),
                InboxActivity::Ignored(_)
            ),
            "{unknown}"
        );
    }
}

#[test]
fn a_mastodon_actor_verifies_and_forgeries_do_not() {
    use rounds::federation::objects::remote_actor::{verify_actor_document, RemoteActorJson};
    let text = std::fs::read_to_string("tests/fixtures/mastodon/person.json").unwrap();
    let fetched_from = url::Url::parse("https://mastodon.madrid/users/felix").unwrap();
    let actor: RemoteActorJson = serde_json::from_str(&text).unwrap();
    verify_actor_document(&actor, &fetched_from).unwrap();
    assert_eq!(
        actor.endpoints.unwrap().shared_inbox.unwrap().as_str(),
        "https://mastodon.madrid/inbox"
    );

    let elsewhere = url::Url::parse("https://mastodon.madrid:8443/users/felix").unwrap();
    let actor: RemoteActorJson = serde_json::from_str(&text).unwrap();
    assert!(
        verify_actor_document(&actor, &elsewhere).is_err(),
        "another port is another instance"
    );

    let stolen_key = text.replace(
        "\"owner\": \"https://mastodon.madrid/users/felix\"",
        "\"owner\": \"https://mastodon.madrid/users/someone\"",
    );
    let actor: RemoteActorJson = serde_json::from_str(&stolen_key).unwrap();
    assert!(verify_actor_document(&actor, &fetched_from).is_err());
}
