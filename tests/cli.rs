//! The `rounds` command as an operator meets it: help, settings errors, members and forums.

use std::process::Command;

fn rounds(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rounds"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("ROUNDS_") {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn help_lists_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let output = rounds(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for subcommand in [
        "serve", "migrate", "user", "forum", "publish", "delivery", "mod",
    ] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{subcommand} "))),
            "{subcommand} missing from:\n{help}"
        );
    }
}

#[test]
fn a_bad_setting_is_one_line_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ROUNDS_DOMAIN", "https://spm.example/", "`domain`"),
        ("ROUNDS_BIND", "everywhere", "`bind`"),
        ("ROUNDS_DATABASE_URL", "mysql://db", "`database_url`"),
    ];
    for (key, value, named) in cases {
        let output = rounds(dir.path())
            .arg("migrate")
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{key}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(named), "{stderr}");
    }
    std::fs::write(
        dir.path().join("rounds.toml"),
        "domian = \"typo.example\"\n",
    )
    .unwrap();
    let output = rounds(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("`domian`"));
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "only rounds.toml: nothing was written");
}

#[test]
fn members_and_forums_are_added_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = rounds(dir.path())
        .args(["user", "add", "alice", "--role", "moderator"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("@alice@localhost:8080"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("password: "))
        .unwrap();
    assert!(password.len() >= 20);
    assert!(
        dir.path().join("data/rounds.db").exists(),
        "default SQLite file created"
    );

    let again = rounds(dir.path())
        .args(["user", "add", "alice", "--role", "author"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8(again.stderr).unwrap().contains("taken"));

    let forum = rounds(dir.path())
        .args([
            "forum",
            "add",
            "caregivers",
            "--title",
            "Caregivers",
            "--summary",
            "For caregivers",
        ])
        .output()
        .unwrap();
    assert!(forum.status.success());
    let list = rounds(dir.path()).args(["forum", "list"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(
        list.contains("community\t") && list.contains("caregivers\tCaregivers"),
        "{list}"
    );
    let users = rounds(dir.path()).args(["user", "list"]).output().unwrap();
    assert_eq!(
        String::from_utf8(users.stdout).unwrap(),
        "alice\tmoderator\n"
    );
}

#[test]
fn a_token_is_printed_alone_on_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let added = rounds(dir.path())
        .args(["user", "add", "ada", "--role", "admin"])
        .output()
        .unwrap();
    assert!(added.status.success());
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let output = rounds(dir.path())
            .args(["user", "token", "ada", "--label", "deploy script"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).unwrap();
        let last = stdout.lines().last().unwrap().to_string();
        assert!(
            last.starts_with("rounds_") && !last.contains(' '),
            "{stdout}"
        );
        assert!(last.len() > 40, "{last}");
        tokens.push(last);
    }
    assert_ne!(tokens[0], tokens[1]);
    let unknown = rounds(dir.path())
        .args(["user", "token", "nobody"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8(unknown.stderr)
        .unwrap()
        .contains("no member named"));
}

#[test]
fn posts_are_published_edited_and_deleted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| rounds(dir.path()).args(args).output().unwrap();
    assert!(run(&["user", "add", "ada", "--role", "author"])
        .status
        .success());
    std::fs::write(dir.path().join("body.md"), "Pacing, **slowly**. #LongCovid").unwrap();
    let published = run(&[
        "publish",
        "--as",
        "ada",
        "thread",
        "--title",
        "Pacing",
        "--body-file",
        "body.md",
    ]);
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let stdout = String::from_utf8(published.stdout).unwrap();
    let url = stdout.lines().last().unwrap().to_string();
    assert!(url.contains("://localhost:8080/posts/"), "{stdout}");
    let number = url.rsplit('/').next().unwrap().to_string();

    let invalid = run(&[
        "publish",
        "--as",
        "ada",
        "webinar",
        "--title",
        "Talk",
        "--summary",
        "About",
        "--starts-at",
        "2026-12-01T18:00:00Z",
        "--ends-at",
        "2026-12-01T17:00:00Z",
        "--timezone",
        "Mars/Olympus",
        "--join-url",
        "https://meet.example/x",
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    let stderr = String::from_utf8(invalid.stderr).unwrap();
    assert!(
        stderr.contains("ends_at") && stderr.contains("timezone"),
        "{stderr}"
    );

    let edited = run(&[
        "publish",
        "--as",
        "ada",
        "edit",
        &number,
        "--title",
        "Pacing, again",
    ]);
    assert!(edited.status.success());
    assert!(String::from_utf8(edited.stdout)
        .unwrap()
        .starts_with("Edited thread"));
    let deleted = run(&["publish", "--as", "ada", "delete", &number]);
    assert!(deleted.status.success());
    let again = run(&["publish", "--as", "ada", "delete", &number]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8(again.stderr)
        .unwrap()
        .contains("no such forum or post"));
    let stranger = run(&[
        "publish", "--as", "nobody", "thread", "--title", "x", "--body", "y",
    ]);
    assert!(String::from_utf8(stranger.stderr)
        .unwrap()
        .contains("no member named"));
}

#[test]
fn moderators_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| rounds(dir.path()).args(args).output().unwrap();
    let ok = |args: &[&str]| {
        let output = run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let fails = |args: &[&str]| {
        let output = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    ok(&["user", "add", "mo", "--role", "moderator"]);
    ok(&["user", "add", "ada", "--role", "author"]);
    let published = ok(&[
        "publish", "--as", "ada", "thread", "--title", "Pacing", "--body", "Slowly.",
    ]);
    let url = published.lines().last().unwrap();
    let number = url.rsplit('/').next().unwrap().to_string();

    assert!(fails(&["mod", "--as", "ada", "queue"]).contains("not a moderator"));
    assert!(fails(&["mod", "--as", "nobody", "queue"]).contains("no member named"));
    assert_eq!(ok(&["mod", "--as", "mo", "queue"]), "");
    assert!(fails(&["mod", "--as", "mo", "approve", "999"]).contains("no held post 999"));

    assert_eq!(
        ok(&[
            "mod",
            "--as",
            "mo",
            "policy",
            "community",
            "hold_remote",
            "--reason",
            "busy"
        ]),
        "community\thold_remote\n"
    );
    assert_eq!(
        ok(&["mod", "--as", "mo", "policy", "community"]),
        "community\thold_remote\n"
    );
    assert!(fails(&["mod", "--as", "mo", "policy", "nowhere"]).contains("no forum named"));

    let long = "x".repeat(2_001);
    assert!(
        fails(&["mod", "--as", "mo", "lock", &number, "--reason", &long])
            .contains("at most 2000 characters")
    );
    ok(&["mod", "--as", "mo", "lock", &number, "--reason", "heated"]);
    assert!(fails(&["mod", "--as", "mo", "lock", &number]).contains("already locked"));
    ok(&["mod", "--as", "mo", "unlock", &number]);
    assert_eq!(
        ok(&["mod", "--as", "mo", "public-log", "community", "on"]),
        "The log of community is public at /@community/log.\n"
    );
    assert!(fails(&["mod", "--as", "mo", "public-log", "journal", "on"]).contains("not found"));

    let removed = ok(&[
        "mod",
        "--as",
        "mo",
        "remove",
        &number,
        "--reason",
        "off topic",
    ]);
    let activity = removed.lines().last().unwrap();
    assert!(activity.starts_with("http://localhost:8080/"), "{removed}");
    let deliveries = ok(&["mod", "--as", "mo", "deliveries", &number]);
    assert!(
        deliveries
            .lines()
            .any(|line| line.starts_with(&format!("remove\t{activity}\t"))),
        "{deliveries}"
    );
    assert!(
        fails(&["mod", "--as", "mo", "remove", &number, "--reason", "again"])
            .contains("already removed")
    );
    ok(&[
        "mod", "--as", "mo", "restore", &number, "--reason", "mistake",
    ]);

    assert_eq!(
        ok(&[
            "mod",
            "--as",
            "mo",
            "instance",
            "suspend",
            "spam.example",
            "--reason",
            "spam"
        ]),
        "spam.example: suspend.\n"
    );
    std::fs::write(
        dir.path().join("blocklist.csv"),
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         quiet.example,silence,false,false,\"loud, often\",false\n\
         fine.example,noop,false,false,,false\n",
    )
    .unwrap();
    assert_eq!(
        ok(&["mod", "--as", "mo", "import", "blocklist.csv"]),
        "Imported: 0 suspended, 1 limited, 1 skipped.\n"
    );
    let export = ok(&["mod", "--as", "mo", "export"]);
    assert!(
        export.contains("quiet.example,silence,false,false,\"loud, often\",false")
            && export.contains("spam.example,suspend,"),
        "{export}"
    );
    assert_eq!(
        ok(&["mod", "--as", "mo", "instances"]),
        "federation mode: open\nquiet.example\tlimit\tloud, often\nspam.example\tsuspend\tspam\n"
    );
    ok(&["mod", "--as", "mo", "instance", "clear", "spam.example"]);
    assert!(
        fails(&["mod", "--as", "mo", "instance", "clear", "spam.example"])
            .contains("has no policy")
    );

    let banned = ok(&[
        "mod",
        "--as",
        "mo",
        "ban",
        "ada",
        "--forum",
        "community",
        "--reason",
        "flame",
    ]);
    assert!(banned.starts_with("Banned ada from community"), "{banned}");
    let bans = ok(&["mod", "--as", "mo", "bans"]);
    assert!(
        bans.contains("\thttp://localhost:8080/actors/ada\tcommunity\t-\tflame"),
        "{bans}"
    );
    let refused = fails(&[
        "publish", "--as", "ada", "reply", "--to", &number, "--body", "But…",
    ]);
    assert!(refused.contains("banned"), "{refused}");
    ok(&["mod", "--as", "mo", "unban", "ada", "--forum", "community"]);
    assert_eq!(ok(&["mod", "--as", "mo", "bans"]), "");

    ok(&["mod", "--as", "mo", "label", "ada", "researcher"]);
    assert_eq!(
        ok(&["mod", "--as", "mo", "labels"]),
        "http://localhost:8080/actors/ada\tresearcher\n"
    );
    ok(&["mod", "--as", "mo", "unlabel", "ada"]);
    ok(&["mod", "--as", "mo", "word", "add", "Miracle Cure"]);
    assert_eq!(ok(&["mod", "--as", "mo", "word", "list"]), "miracle cure\n");
    ok(&["mod", "--as", "mo", "word", "remove", "miracle cure"]);
    assert!(
        fails(&["mod", "--as", "mo", "word", "remove", "miracle cure"])
            .contains("not a screening word")
    );

    let log = ok(&["mod", "--as", "mo", "log"]);
    let actions: Vec<&str> = log
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields[1], "mo", "{line}");
            fields[2]
        })
        .collect();
    assert_eq!(
        actions,
        [
            "remove screening word",
            "add screening word",
            "withdraw label",
            "label researcher",
            "unban",
            "ban from community",
            "clear instance policy",
            "import blocklist",
            "suspend",
            "restore",
            "remove",
            "publish moderation log",
            "unlock",
            "lock",
            "reply policy hold_remote",
        ]
    );
    assert!(
        log.contains("\tremove\thttp://localhost:8080/posts/"),
        "{log}"
    );
    assert!(log.contains("\tcommunity\toff topic\n"), "{log}");
    let found = ok(&["mod", "--as", "mo", "log", "-q", "heated"]);
    assert_eq!(found.lines().count(), 1, "{found}");
    assert!(found.contains("\tlock\t"), "{found}");
}
