//! Members in the browser, on SQLite and PostgreSQL: log in (with a CSRF-protected form, the
//! same answer for a wrong name and a wrong password), the session cookie's attributes, the
//! account page, an API token made from it (and working), forms refused without their CSRF
//! token, and logging out ending the session.

mod common;

use common::{TestDb, TestInstance};
use reqwest::{header, redirect::Policy, Client, Response, StatusCode};
use rounds::{model::Role, service::actors::add_member};

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// The value a response sets for cookie `name`, and the whole Set-Cookie line.
fn set_cookie(response: &Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(|line| {
            let value = line[name.len() + 1..]
                .split(';')
                .next()
                .unwrap()
                .to_string();
            (value, line.to_string())
        })
}

/// The value of the hidden `csrf` field of the page's (first) form.
fn csrf_in(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn a_member_logs_in_makes_a_token_and_logs_out(db: TestDb) {
    let rounds = TestInstance::spawn(db).await;
    let member = add_member(&rounds.state().db, "ada", Role::Admin)
        .await
        .unwrap();
    let client = client();

    let login = client.get(rounds.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()[header::CACHE_CONTROL], "no-store");
    let (login_csrf, line) = set_cookie(&login, "rounds_login_csrf").unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Lax"),
        "{line}"
    );
    let page = login.text().await.unwrap();
    assert_eq!(csrf_in(&page), login_csrf);
    let cookie = format!("rounds_login_csrf={login_csrf}");

    let post_login = |cookie: Option<String>, form: Vec<(&'static str, String)>| {
        let mut request = client.post(rounds.url("/login")).form(&form);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send()
    };
    let good = |password: &str, csrf: &str| {
        vec![
            ("name", "ada".to_string()),
            ("password", password.to_string()),
            ("csrf", csrf.to_string()),
        ]
    };
    // No CSRF cookie, or a field that does not match it: 403, whatever the password.
    let refused = post_login(None, good(&member.password, &login_csrf))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused = post_login(Some(cookie.clone()), good(&member.password, "forged"))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // A wrong password and an unknown name read the same.
    let wrong = post_login(Some(cookie.clone()), good("not-the-password", &login_csrf))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong, "rounds_session").is_none());
    let wrong_text = wrong.text().await.unwrap();
    assert!(wrong_text.contains("wrong name or password"));
    let mut unknown_form = good(&member.password, &login_csrf);
    unknown_form[0].1 = "nobody".into();
    let unknown = post_login(Some(cookie.clone()), unknown_form)
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    assert_eq!(unknown.text().await.unwrap(), wrong_text);

    let logged = post_login(Some(cookie.clone()), good(&member.password, &login_csrf))
        .await
        .unwrap();
    assert_eq!(logged.status(), 303);
    assert_eq!(logged.headers()[header::LOCATION], "/account");
    let (session, line) = set_cookie(&logged, "rounds_session").unwrap();
    assert!(session.len() >= 43, "{line}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{attribute} missing: {line}");
    }
    assert!(
        !line.contains("Secure"),
        "insecure test mode serves http: {line}"
    );
    let session_cookie = format!("rounds_session={session}");

    let anonymous = client.get(rounds.url("/account")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[header::LOCATION], "/login");
    let account = client
        .get(rounds.url("/account"))
        .header(header::COOKIE, &session_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    let page = account.text().await.unwrap();
    assert!(
        page.contains("<h1>ada</h1>") && page.contains("Role: admin"),
        "{page}"
    );
    let csrf = csrf_in(&page);
    assert_ne!(csrf, login_csrf);

    let make_token = |csrf: String| {
        client
            .post(rounds.url("/account/tokens"))
            .header(header::COOKIE, &session_cookie)
            .form(&[
                ("label", "<script>alert(1)</script>".to_string()),
                ("csrf", csrf),
            ])
            .send()
    };
    assert_eq!(make_token("forged".into()).await.unwrap().status(), 403);
    let made = make_token(csrf.clone()).await.unwrap();
    assert_eq!(made.status(), 200);
    let page = made.text().await.unwrap();
    assert!(
        !page.contains("<script>alert(1)"),
        "the label is escaped: {page}"
    );
    assert!(page.contains("&lt;script&gt;"));
    let start = page.find("<code id=\"new-token\">").unwrap() + "<code id=\"new-token\">".len();
    let token = page[start..].split('<').next().unwrap();
    assert!(token.starts_with("rounds_"));
    let api = client
        .get(rounds.url("/api/v1/tokens"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);

    // Log out: a forged form is refused; the real one ends the session.
    let logout = |csrf: String| {
        client
            .post(rounds.url("/logout"))
            .header(header::COOKIE, &session_cookie)
            .form(&[("csrf", csrf)])
            .send()
    };
    assert_eq!(logout("forged".into()).await.unwrap().status(), 403);
    let out = logout(csrf).await.unwrap();
    assert_eq!(out.status(), 303);
    let (cleared, line) = set_cookie(&out, "rounds_session").unwrap();
    assert!(cleared.is_empty() && line.contains("Max-Age=0"), "{line}");
    let after = client
        .get(rounds.url("/account"))
        .header(header::COOKIE, &session_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        303,
        "the old cookie no longer opens the account"
    );
}

both_databases!(a_member_logs_in_makes_a_token_and_logs_out);
