//! Members in the browser: log in with name and password, a session cookie (HttpOnly,
//! SameSite=Lax, Secure outside insecure mode), CSRF tokens on every form (the login form's by
//! double submit, the others' from the session), the account page with API tokens, log out;
//! and [`Viewer`]: who is looking at a page that depends on the session.

use activitypub_federation::config::Data;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

use super::{escape, page};
use crate::{
    error::{Error, Result},
    model::{LocalActor, Role},
    service::{members, secrets, sessions},
    state::AppState,
};

const SESSION_COOKIE: &str = "rounds_session";
const LOGIN_CSRF_COOKIE: &str = "rounds_login_csrf";

/// The value of cookie `name` in the request, if any.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for this server: Secure unless it runs in insecure (http) mode.
fn set_cookie(data: &AppState, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    cookie_line(!data.config.insecure_federation, name, value, max_age_secs)
}

fn cookie_line(secure: bool, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A page that must not be cached (it carries tokens or personal data).
fn private(status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, page(title, "", body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn login_form(csrf: &str, message: &str) -> String {
    format!(
        "<h1>Log in</h1>{message}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"name\">Name</label><br>\
         <input id=\"name\" name=\"name\" autocomplete=\"username\" required></p>\
         <p><label for=\"password\">Password</label><br>\
         <input id=\"password\" name=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required></p>\
         <p><button type=\"submit\">Log in</button></p></form>",
        csrf = escape(csrf),
    )
}

/// `GET /login`.
pub async fn login_page(data: Data<AppState>, headers: HeaderMap) -> Response {
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE)
        .filter(|value| value.len() == 43)
        .map_or_else(secrets::random_secret, str::to_string);
    let mut response = private(StatusCode::OK, "Log in", &login_form(&csrf, ""));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&data, LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`.
pub async fn log_in(
    data: Data<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !secrets::same_secret(expected, &form.csrf) {
        return Error::Forbidden("the form has expired; load the page again".into())
            .into_response();
    }
    match sessions::log_in(&data.db, form.name.trim(), &form.password).await {
        Ok(session) => {
            let mut response = Redirect::to("/account").into_response();
            let lifetime = sessions::SESSION_LIFETIME.as_secs();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&data, SESSION_COOKIE, &session.cookie, lifetime),
            );
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&data, LOGIN_CSRF_COOKIE, "", 0),
            );
            response
        }
        Err(Error::Unauthorized(reason)) => private(
            StatusCode::UNAUTHORIZED,
            "Log in",
            &login_form(
                expected,
                &format!("<p role=\"alert\">{}</p>", escape(&reason)),
            ),
        ),
        Err(err) => err.into_response(),
    }
}

/// Who is looking at a page: a logged-in member with their session's CSRF token, or nobody.
/// A page built for a viewer is answered with [`Viewer::cache_headers`].
#[derive(Default)]
pub struct Viewer {
    pub member: Option<(LocalActor, String)>,
}

/// Names the member, never the session's CSRF token.
impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field(
                "member",
                &self.member.as_ref().map(|(member, _)| &member.name),
            )
            .finish_non_exhaustive()
    }
}

impl Viewer {
    /// The viewer of a request, from its session cookie.
    pub async fn of(data: &AppState, headers: &HeaderMap) -> Result<Viewer> {
        Ok(Viewer {
            member: logged_in(data, headers).await?,
        })
    }

    /// A moderator or admin: sees replies that are not public.
    pub fn is_staff(&self) -> bool {
        matches!(
            self.member.as_ref().and_then(|(member, _)| member.role),
            Some(Role::Admin | Role::Moderator)
        )
    }

    /// The session's CSRF token, when a member is logged in.
    pub fn csrf(&self) -> Option<&str> {
        self.member.as_ref().map(|(_, csrf)| csrf.as_str())
    }

    /// A member who may write (any role).
    pub fn may_write(&self) -> bool {
        self.member
            .as_ref()
            .is_some_and(|(member, _)| member.role.is_some())
    }

    /// A page that depends on the session varies with the cookie, and one made for a member
    /// (their CSRF token, replies not shown publicly) is kept by no cache at all.
    pub fn cache_headers(&self, headers: &mut HeaderMap) {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
        if self.member.is_some() {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
    }
}

/// The member logged in with this request's cookie, and the session's CSRF token.
async fn logged_in(data: &AppState, headers: &HeaderMap) -> Result<Option<(LocalActor, String)>> {
    match cookie(headers, SESSION_COOKIE) {
        Some(value) if !value.is_empty() => sessions::session(&data.db, value).await,
        _ => Ok(None),
    }
}

/// The member who submitted a form, as [`logged_in`], once the form's CSRF token is the
/// session's (403 otherwise).
async fn submitted_by(
    data: &AppState,
    headers: &HeaderMap,
    submitted_csrf: &str,
) -> Result<Option<(LocalActor, String)>> {
    let Some((member, csrf)) = logged_in(data, headers).await? else {
        return Ok(None);
    };
    if !secrets::same_secret(&csrf, submitted_csrf) {
        return Err(Error::Forbidden(
            "the form has expired; load the page again".into(),
        ));
    }
    Ok(Some((member, csrf)))
}

fn account_body(
    member: &LocalActor,
    csrf: &str,
    tokens: &[crate::db::tokens::TokenInfo],
    notice: &str,
) -> String {
    let rows: String = tokens
        .iter()
        .map(|token| {
            format!(
                "<li>{label} (made {made}{used})</li>",
                label = escape(&token.label),
                made = super::rfc3339(token.created_at),
                used = token
                    .last_used_at
                    .map(|at| format!(", last used {}", super::rfc3339(at)))
                    .unwrap_or_default(),
            )
        })
        .collect();
    format!(
        "<h1>{name}</h1><p>Role: {role}</p>{notice}<h2>API tokens</h2><ul>{rows}</ul>\
         <form method=\"post\" action=\"/account/tokens\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"label\">What the new token is for</label><br>\
         <input id=\"label\" name=\"label\"></p>\
         <p><button type=\"submit\">Make a token</button></p></form>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" \
         value=\"{csrf}\"><p><button type=\"submit\">Log out</button></p></form>",
        name = escape(&member.name),
        role = member.role.map_or("-", Role::as_str),
        csrf = escape(csrf),
    )
}

/// `GET /account`.
pub async fn account(data: Data<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let Some((member, csrf)) = logged_in(&data, &headers).await? else {
            return Ok(Redirect::to("/login").into_response());
        };
        let tokens = members::tokens_of(&data.db, &member).await?;
        Ok(private(
            StatusCode::OK,
            &member.name,
            &account_body(&member, &csrf, &tokens, ""),
        ))
    }
    .await;
    result.unwrap_or_else(|err: Error| err.into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /account/tokens`: a new API token, shown on the page this once.
pub async fn make_token(
    data: Data<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let result = async {
        let Some((member, csrf)) = submitted_by(&data, &headers, &form.csrf).await? else {
            return Err(Error::Unauthorized("log in first".into()));
        };
        let token = members::create_token(&data.db, &member.name, &form.label).await?;
        let tokens = members::tokens_of(&data.db, &member).await?;
        let notice = format!(
            "<p role=\"status\">Your new token, shown only this once:</p><p><code id=\"new-token\">{}</code></p>",
            escape(&token.token)
        );
        Ok(private(StatusCode::OK, &member.name, &account_body(&member, &csrf, &tokens, &notice)))
    }
    .await;
    result.unwrap_or_else(|err: Error| err.into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub async fn log_out(
    data: Data<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let result = async {
        let Some((_, csrf)) = logged_in(&data, &headers).await? else {
            return Ok(Redirect::to("/").into_response());
        };
        if !secrets::same_secret(&csrf, &form.csrf) {
            return Err(Error::Forbidden(
                "the form has expired; load the page again".into(),
            ));
        }
        if let Some(value) = cookie(&headers, SESSION_COOKIE) {
            sessions::log_out(&data.db, value).await?;
        }
        let mut response = Redirect::to("/").into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(&data, SESSION_COOKIE, "", 0));
        Ok(response)
    }
    .await;
    result.unwrap_or_else(|err: Error| err.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_outside_insecure_mode() {
        let line = cookie_line(true, SESSION_COOKIE, "abc", 60);
        assert_eq!(
            line,
            "rounds_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!cookie_line(false, SESSION_COOKIE, "abc", 60)
            .to_str()
            .unwrap()
            .contains("Secure"));
    }

    #[test]
    fn cookies_are_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; rounds_session=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
