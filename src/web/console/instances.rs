//! Instances (`/mod/instances`): the federation mode (open, or allowlist; `POST
//! /mod/instances/mode`), each instance's policy with a form to clear it
//! (`POST /mod/instances/clear`), the form to suspend, limit or allow one (`POST
//! /mod/instances`), and blocklists in Mastodon's CSV format: imported from a text area
//! (`POST /mod/instances/import`) and exported as a download (`GET /mod/instances.csv`).

use activitypub_federation::config::Data;
use axum::{
    extract::rejection::FormRejection,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

use super::{
    after, console_page, done_html, form_or_empty, input, problem_page, reason, select, Console,
    PageQuery,
};
use crate::{
    error::{Error, FieldError, Result},
    service::moderation::instances::{self, Policy},
    state::AppState,
    web::{escape, layout::security_headers, parts::time_html},
};

/// The longest blocklist imported at once (as the API).
const MAX_CSV: usize = 256 * 1024;

/// `GET /mod/instances`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    match body(&data, &console).await {
        Ok(body) => {
            let body = format!("{}{}{}", done_html(&query), imported_html(&query), body);
            console_page(StatusCode::OK, "Instances", "/mod/instances", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

/// The counts of an import, from the page's query (numbers only).
fn imported_html(query: &std::collections::HashMap<String, String>) -> String {
    if query.get("done").map(String::as_str) != Some("imported") {
        return String::new();
    }
    let count = |name: &str| {
        query
            .get(name)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    format!(
        "<p role=\"status\" class=\"done\">{} suspended, {} limited, {} skipped.</p>",
        count("suspended"),
        count("limited"),
        count("skipped")
    )
}

fn policy_options() -> Vec<(String, String)> {
    [
        (
            "suspend",
            "Suspend: refuse everything, send nothing, fetch nothing",
        ),
        ("limit", "Limit: hold every reply for review"),
        ("allow", "Allow: federates in allowlist mode"),
    ]
    .iter()
    .map(|(value, text)| (value.to_string(), text.to_string()))
    .collect()
}

async fn body(data: &AppState, console: &Console) -> Result<String> {
    let (allowlist, policies) = instances::list(data).await?;
    let mode = if allowlist {
        console.form(
            "/mod/instances/mode",
            &format!(
                "<p><strong>Allowlist mode is on</strong>: only the instances marked allow \
                 federate.</p><input type=\"hidden\" name=\"mode\" value=\"open\">{}",
                input(
                    "mode-reason",
                    "reason",
                    "Reason for the change (optional)",
                    " maxlength=\"2000\""
                ),
            ),
            "Turn allowlist mode off",
        )
    } else {
        console.form(
            "/mod/instances/mode",
            &format!(
                "<p><strong>Open federation</strong>: every instance without a suspension \
                 federates. In allowlist mode only the instances marked allow would.</p>\
                 <input type=\"hidden\" name=\"mode\" value=\"allowlist\">{}",
                input(
                    "mode-reason",
                    "reason",
                    "Reason for the change (optional)",
                    " maxlength=\"2000\""
                ),
            ),
            "Turn allowlist mode on",
        )
    };
    let rows: String = policies
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let clear = console.form(
                "/mod/instances/clear",
                &format!(
                    "<input type=\"hidden\" name=\"instance\" value=\"{}\">{}",
                    escape(&row.instance),
                    input(
                        &format!("clear-reason-{n}"),
                        "reason",
                        "Reason for clearing (optional)",
                        " maxlength=\"2000\"",
                    ),
                ),
                "Clear",
            );
            format!(
                "<article class=\"card\"><h3><code>{instance}</code>: {policy}</h3>\
                 <p class=\"meta\">since {since}</p><p>Reason: {reason}</p>{clear}</article>",
                instance = escape(&row.instance),
                policy = escape(&row.policy),
                since = time_html(row.created_at),
                reason = escape(&row.reason),
            )
        })
        .collect();
    let list = if policies.is_empty() {
        "<p>No instance has a policy.</p>".to_string()
    } else {
        rows
    };
    let set = console.form(
        "/mod/instances",
        &format!(
            "{}{}{}",
            input(
                "instance-name",
                "instance",
                "Instance",
                " required placeholder=\"mastodon.example, or host:port\"",
            ),
            select(
                "instance-policy",
                "policy",
                "Policy",
                &policy_options(),
                "suspend"
            ),
            input(
                "instance-reason",
                "reason",
                "Reason",
                " required maxlength=\"2000\""
            ),
        ),
        "Set the policy",
    );
    let import = console.form(
        "/mod/instances/import",
        "<p><label for=\"import-csv\">Blocklist (Mastodon's CSV: \
         <code>#domain,#severity,…</code>; or one domain a line)</label><br>\
         <textarea id=\"import-csv\" name=\"csv\" rows=\"6\" required></textarea></p>",
        "Import",
    );
    Ok(format!(
        "<h1>Instances</h1><h2>Set a policy</h2>\
         <p>A policy for a domain covers its subdomains too.</p>{set}\
         <h2>Policies</h2>{list}<h2>Federation</h2>{mode}<h2>Blocklists</h2>\
         <p><code>suspend</code> suspends, <code>silence</code> limits, <code>noop</code> and \
         unreadable lines are skipped. Read a list before importing it.</p>{import}\
         <p><a href=\"/mod/instances.csv\" download=\"blocklist.csv\">Export our blocklist</a> \
         (Mastodon's CSV)</p>"
    ))
}

/// What the instance forms send (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct InstanceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    instance: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csv: String,
}

/// `POST /mod/instances`: suspend, limit or allow.
pub async fn set(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<InstanceForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let policy = Policy::parse(form.policy.trim());
    let result = async {
        let mut problems = Vec::new();
        if policy.is_none() {
            problems.push(FieldError::new("policy", "must be suspend, limit or allow"));
        }
        let reason = match reason("reason", &form.reason, true) {
            Ok(reason) => reason,
            Err(Error::Invalid(mut found)) => {
                problems.append(&mut found);
                String::new()
            }
            Err(other) => return Err(other),
        };
        let (Some(policy), true) = (policy, problems.is_empty()) else {
            return Err(Error::Invalid(problems));
        };
        instances::set_policy(&data, &console.moderator, &form.instance, policy, &reason)
            .await
            .map(|_| ())
    }
    .await;
    after(result, "/mod/instances", policy.map_or("", Policy::as_str))
}

/// `POST /mod/instances/clear`
pub async fn clear(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<InstanceForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        instances::clear_policy(&data, &console.moderator, &form.instance, &reason).await
    }
    .await;
    after(result, "/mod/instances", "cleared")
}

/// `POST /mod/instances/mode`: `mode` open or allowlist.
pub async fn mode(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<InstanceForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let on = match form.mode.as_str() {
        "allowlist" => true,
        "open" => false,
        _ => {
            let problem = FieldError::new("mode", "must be open or allowlist");
            return problem_page(Error::Invalid(vec![problem]), "/mod/instances");
        }
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        instances::set_allowlist_mode(&data, &console.moderator, on, &reason).await
    }
    .await;
    after(
        result,
        "/mod/instances",
        if on { "allowlist" } else { "open" },
    )
}

/// `POST /mod/instances/import`: the CSV from the text area.
pub async fn import(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<InstanceForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let csv = form.csv.trim();
    let problem = if csv.is_empty() {
        Some("paste the list first")
    } else if csv.len() > MAX_CSV {
        Some("at most 256 KiB at once")
    } else {
        None
    };
    if let Some(problem) = problem {
        let problem = FieldError::new("csv", problem);
        return problem_page(Error::Invalid(vec![problem]), "/mod/instances");
    }
    match instances::import_csv(&data, &console.moderator, csv).await {
        Ok(imported) => Redirect::to(&format!(
            "/mod/instances?done=imported&suspended={}&limited={}&skipped={}",
            imported.suspended, imported.limited, imported.skipped
        ))
        .into_response(),
        Err(err) => problem_page(err, "/mod/instances"),
    }
}

/// `GET /mod/instances.csv`: the suspensions and limits, as a download.
pub async fn export(data: Data<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = Console::enter(&data, &headers).await {
        return response;
    }
    match instances::export_csv(&data).await {
        Ok(csv) => {
            let mut response = (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"blocklist.csv\"",
                    ),
                ],
                csv,
            )
                .into_response();
            let headers = response.headers_mut();
            security_headers(headers);
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(err) => problem_page(err, "/mod/instances"),
    }
}
