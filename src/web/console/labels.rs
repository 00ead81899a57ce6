//! Participant labels (`/mod/labels`): who the Society has verified as a clinician, patient,
//! caregiver or researcher, each with a form to withdraw it (`POST /mod/labels/withdraw`), and
//! the form to set one (`POST /mod/labels`). Labels stay on Rounds; they are never sent.

use activitypub_federation::config::Data;
use axum::{
    extract::rejection::FormRejection,
    http::{HeaderMap, StatusCode},
    response::Response,
    Form,
};
use serde::Deserialize;

use super::{
    address_html, after, console_page, done_html, form_or_empty, input, problem_page, reason,
    select, Console, PageQuery,
};
use crate::{
    error::Result,
    service::moderation::labels::{self, LABELS},
    state::AppState,
    web::escape,
};

/// `GET /mod/labels`
pub async fn page(data: Data<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let console = match Console::enter(&data, &headers).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    match body(&data, &console).await {
        Ok(body) => {
            let body = format!("{}{}", done_html(&query), body);
            console_page(StatusCode::OK, "Labels", "/mod/labels", &body)
        }
        Err(err) => problem_page(err, "/mod"),
    }
}

async fn body(data: &AppState, console: &Console) -> Result<String> {
    let list = labels::list(data).await?;
    let rows: String = list
        .iter()
        .enumerate()
        .map(|(n, (actor, label))| {
            let withdraw = console.form(
                "/mod/labels/withdraw",
                &format!(
                    "<input type=\"hidden\" name=\"actor\" value=\"{}\">{}",
                    escape(actor),
                    input(
                        &format!("withdraw-reason-{n}"),
                        "reason",
                        "Reason for withdrawing (optional)",
                        " maxlength=\"2000\"",
                    ),
                ),
                "Withdraw",
            );
            format!(
                "<article class=\"card\"><h3>{actor}: {label}</h3>{withdraw}</article>",
                actor = address_html(actor),
                label = escape(label),
            )
        })
        .collect();
    let rows = if list.is_empty() {
        "<p>Nobody has a label.</p>".to_string()
    } else {
        rows
    };
    let options: Vec<(String, String)> = LABELS
        .iter()
        .map(|label| (label.to_string(), label.to_string()))
        .collect();
    let form = console.form(
        "/mod/labels",
        &format!(
            "{}{}{}",
            input(
                "label-actor",
                "actor",
                "Participant",
                " required placeholder=\"@user@instance, their id (https://…) or a member's name\"",
            ),
            select("label-label", "label", "Label", &options, "clinician"),
            input(
                "label-reason",
                "reason",
                "How it was verified (optional)",
                " maxlength=\"2000\"",
            ),
        ),
        "Set the label",
    );
    Ok(format!(
        "<h1>Labels</h1><p>The Society's statement, once verified, that a participant is a \
         clinician, patient, caregiver or researcher; shown beside their posts here, never sent \
         to other servers.</p><h2>Set a label</h2>{form}<h2>Labels</h2>{rows}"
    ))
}

/// What the label forms send (no `Debug`: it holds the CSRF token).
#[derive(Default, Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mod/labels`
pub async fn set(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<LabelForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        let label = form.label.trim();
        labels::set_label(&data, &console.moderator, &form.actor, Some(label), &reason)
            .await
            .map(|_| ())
    }
    .await;
    after(result, "/mod/labels", "labelled")
}

/// `POST /mod/labels/withdraw`
pub async fn withdraw(
    data: Data<AppState>,
    headers: HeaderMap,
    form: Result<Form<LabelForm>, FormRejection>,
) -> Response {
    let form = form_or_empty(form);
    let console = match Console::submit(&data, &headers, &form.csrf).await {
        Ok(console) => console,
        Err(response) => return response,
    };
    let result = async {
        let reason = reason("reason", &form.reason, false)?;
        labels::set_label(&data, &console.moderator, &form.actor, None, &reason)
            .await
            .map(|_| ())
    }
    .await;
    after(result, "/mod/labels", "withdrawn")
}
