//! The pages in a real browser: headless Chromium loads the thread, reply-form, home and webinar
//! pages of a running instance whose content tries to run script every way Markdown allows (raw
//! `<script>`, `<img onerror>`, `<svg onload>`, a `javascript:` link, in the title, the body,
//! the content warning and a webinar's summary) and dumps the DOM after the page settled. The
//! text must be there, and no payload may have run: each one would set `data-xss` on `<body>`
//! or change the title. A control page with a real inline script shows that Chromium does run
//! scripts here and that the check sees it.
//!
//! Chromium is `/usr/bin/chromium` (Debian's `chromium` package; `.ci/run` installs it). When
//! it is missing the test fails, unless `ROUNDS_SKIP_BROWSER_TESTS=1`.

mod common;

use std::{path::PathBuf, process::Stdio, time::Duration};

use common::{TestDb, TestInstance};
use rounds::{
    model::Role,
    service::{
        actors::add_member,
        post_rules::Draft,
        publishing::{self, Place},
    },
};

/// The Chromium to run, or `None` when the browser tests are to be skipped.
fn chromium() -> Option<PathBuf> {
    let installed = PathBuf::from("/usr/bin/chromium");
    if installed.exists() {
        return Some(installed);
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.exists())
    });
    if on_path.is_some() {
        return on_path;
    }
    if std::env::var("ROUNDS_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: no chromium, and ROUNDS_SKIP_BROWSER_TESTS=1");
        return None;
    }
    panic!(
        "the browser tests need headless Chromium at /usr/bin/chromium: install the `chromium` \
         package (apt-get install -y chromium), or set ROUNDS_SKIP_BROWSER_TESTS=1 to skip them"
    );
}

/// The DOM of `url` after Chromium loaded it and ran whatever it would run.
async fn dump_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .unwrap_or_else(|_| panic!("chromium took over 90 s on {url}"))
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && dom.contains("<body"),
        "chromium failed on {url} ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    dom
}

/// The `<body ...>` start tag of a dumped DOM.
fn body_tag(dom: &str) -> &str {
    let start = dom.find("<body").unwrap();
    let end = start + dom[start..].find('>').unwrap() + 1;
    &dom[start..end]
}

/// The text of the `<title>` of a dumped DOM.
fn title(dom: &str) -> &str {
    let start = dom.find("<title>").unwrap() + "<title>".len();
    &dom[start..start + dom[start..].find("</title>").unwrap()]
}

/// The start and end tags of a serialized DOM (in which every `<` of text is escaped), each
/// as written, quoted attribute values included.
fn tags_of(dom: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut rest = dom;
    while let Some(start) = rest.find('<') {
        let mut quote = None;
        let mut end = rest.len();
        for (at, c) in rest[start..].char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(open), _) if c == open => quote = None,
                (None, '>') => {
                    end = start + at + 1;
                    break;
                }
                _ => {}
            }
        }
        tags.push(&rest[start..end]);
        rest = &rest[end..];
    }
    tags
}

/// Nothing from the content ran, and no element or attribute a payload would need exists.
fn assert_nothing_ran(dom: &str, url: &str, expected_title: &str) {
    assert!(
        !body_tag(dom).contains("data-xss"),
        "script ran on {url}: {}",
        body_tag(dom)
    );
    assert_eq!(title(dom), expected_title, "the title changed on {url}");
    for tag in tags_of(dom) {
        let lower = tag.to_ascii_lowercase();
        for element in ["<script", "<svg", "<img", "<iframe", "<b ", "<style>body"] {
            assert!(!lower.starts_with(element), "{tag} is live on {url}");
        }
        assert!(!lower.contains("javascript:"), "{tag} is live on {url}");
        let mut in_value = None;
        let names: String = lower
            .chars()
            .filter(|c| match in_value {
                Some(open) => {
                    if *c == open {
                        in_value = None;
                    }
                    false
                }
                None if matches!(c, '"' | '\'') => {
                    in_value = Some(*c);
                    false
                }
                None => true,
            })
            .collect();
        assert!(
            !names.split_whitespace().any(|word| word.starts_with("on")),
            "an event handler in {tag} on {url}"
        );
    }
}

const BODY: &str = "Words that must show.\n\n\
<script>document.title='pwned'</script>\n\n\
<img src=x onerror=\"document.body.setAttribute('data-xss','img')\">\n\n\
<svg onload=\"document.body.setAttribute('data-xss','svg')\"></svg>\n\n\
<iframe src=\"javascript:parent.document.body.setAttribute('data-xss','iframe')\"></iframe>\n\n\
[a link](javascript:document.body.setAttribute('data-xss','link')) and \
<a href=\"javascript:document.body.setAttribute('data-xss','a')\">another</a>\n\n\
Inline <b onmouseover=\"document.body.setAttribute('data-xss','b')\">bold</b> \
and <style>body{display:none}</style> end.";

async fn content_cannot_run_script_in_a_real_browser(db: TestDb) {
    let Some(chromium) = chromium() else {
        return;
    };
    // The control: Chromium runs an inline script here, and the check sees it.
    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><title>control</title></head><body><p>x</p><script>\
         document.body.setAttribute('data-xss','control');document.title='pwned'</script>\
         </body></html>",
    )
    .unwrap();
    let dom = dump_dom(&chromium, &format!("file://{}", control.display())).await;
    assert!(body_tag(&dom).contains("data-xss=\"control\""), "{dom}");
    assert_eq!(title(&dom), "pwned");

    let rounds = TestInstance::spawn(db).await;
    let ada = add_member(&rounds.state().db, "ada", Role::Author)
        .await
        .unwrap()
        .actor;
    let data = rounds.federation.to_request_data();
    let thread = publishing::publish(
        &data,
        &ada,
        Place::Forum("community"),
        &Draft {
            title: Some("Safe <script>document.title='pwned'</script> title".into()),
            body: Some(BODY.into()),
            content_warning: Some("<img src=x onerror=alert(1)> warning".into()),
            ..Draft::default()
        },
    )
    .await
    .unwrap()
    .post
    .id;
    publishing::publish(
        &data,
        &ada,
        Place::ReplyTo(thread),
        &Draft {
            body: Some(
                "A reply <svg onload=\"document.body.setAttribute('data-xss','r')\">".into(),
            ),
            ..Draft::default()
        },
    )
    .await
    .unwrap();
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    let webinar = publishing::publish(
        &data,
        &ada,
        Place::Webinars,
        &Draft {
            title: Some("Webinar <img src=x onerror=\"document.title='pwned'\">".into()),
            summary: Some(
                "Summary <script>document.body.setAttribute('data-xss','summary')</script>".into(),
            ),
            body: Some(BODY.into()),
            starts_at: Some(format!("{year}-12-01T18:00:00-05:00")),
            ends_at: Some(format!("{year}-12-01T19:30:00-05:00")),
            timezone: Some("America/New_York".into()),
            join_url: Some("https://meet.example/spm".into()),
            ..Draft::default()
        },
    )
    .await
    .unwrap()
    .post
    .id;

    let thread_url = rounds.url(&format!("/posts/{thread}"));
    let dom = dump_dom(&chromium, &thread_url).await;
    assert_nothing_ran(
        &dom,
        &thread_url,
        "Safe &lt;script&gt;document.title='pwned'&lt;/script&gt; title",
    );
    assert!(dom.contains("<h1>Safe &lt;script&gt;document.title='pwned'&lt;/script&gt; title</h1>"));
    assert!(dom.contains("Words that must show."), "{dom}");
    assert!(dom.contains("A reply &lt;svg"));
    assert!(dom.contains("end."));

    // The reply page quotes the thread (and shows how to reply, to a visitor).
    let reply_url = rounds.url(&format!("/posts/{thread}/reply"));
    let dom = dump_dom(&chromium, &reply_url).await;
    assert_nothing_ran(
        &dom,
        &reply_url,
        "Reply to Safe &lt;script&gt;document.title='pwned'&lt;/script&gt; title",
    );
    assert!(dom.contains("Words that must show."), "{dom}");
    assert!(dom.contains("to reply, or reply from your own fediverse account"));

    let home = rounds.url("/");
    let dom = dump_dom(&chromium, &home).await;
    assert_nothing_ran(&dom, &home, "Society for Participatory Medicine");
    assert!(dom.contains("Community discussions"));
    assert!(
        dom.contains("Webinar &lt;img src=x onerror=\"document.title='pwned'\"&gt;"),
        "{dom}"
    );

    let webinar_url = rounds.url(&format!("/posts/{webinar}"));
    let dom = dump_dom(&chromium, &webinar_url).await;
    assert_nothing_ran(
        &dom,
        &webinar_url,
        "Webinar &lt;img src=x onerror=\"document.title='pwned'\"&gt;",
    );
    assert!(dom.contains("Summary &lt;script&gt;"));
    assert!(
        dom.contains(&format!("1 December {year}, 18:00–19:30 EST")),
        "{dom}"
    );
    assert!(dom.contains("Words that must show."));
}

both_databases!(content_cannot_run_script_in_a_real_browser);
