//! The home page: what this server is, its forums with the handles to follow, the journal's
//! latest announcements and the upcoming webinars (each at its time in its own zone).

use activitypub_federation::config::Data;

use super::{
    escape,
    layout::{page, Page, SITE_NAME},
    parts::{event_time_html, excerpt, time_html},
};
use crate::{
    db::now_millis,
    error::Result,
    model::{ActorKind, PostKind},
    service::publishing::{JOURNAL, WEBINARS},
    state::AppState,
};

/// Announcements and webinars shown on the home page.
const HOME_ITEMS: i64 = 5;

/// `GET /`
pub async fn home(data: Data<AppState>) -> Result<Page> {
    let domain = escape(&data.config.domain);
    let forums = data.db.local_actors_of_kinds(&[ActorKind::Group]).await?;
    let forum_items: String = forums
        .iter()
        .map(|forum| {
            format!(
                "<li><a href=\"/@{name}\">{title}</a> <code>@{name}@{domain}</code>\
                 <br>{summary}</li>",
                name = escape(&forum.name),
                title = escape(&forum.display_name),
                summary = escape(&excerpt(&forum.summary, 160)),
            )
        })
        .collect();
    let articles = data
        .db
        .latest_of_kind(PostKind::Article, HOME_ITEMS)
        .await?;
    let article_items: String = articles
        .iter()
        .map(|post| {
            format!(
                "<li><a href=\"/posts/{id}\">{title}</a> <span class=\"meta\">{time}</span></li>",
                id = post.id,
                title = escape(post.title.as_deref().unwrap_or("Announcement")),
                time = time_html(post.published_at),
            )
        })
        .collect();
    let events = data
        .db
        .events_ending_after(now_millis(), HOME_ITEMS)
        .await?;
    let event_items: String = events
        .iter()
        .map(|post| {
            format!(
                "<li><a href=\"/posts/{id}\">{title}</a><br>{when}</li>",
                id = post.id,
                title = escape(post.title.as_deref().unwrap_or("Webinar")),
                when = event_time_html(post),
            )
        })
        .collect();
    let or_none = |items: String, none: &str| {
        if items.is_empty() {
            format!("<p>{none}</p>")
        } else {
            format!("<ul>{items}</ul>")
        }
    };
    let mut head = String::new();
    for forum in &forums {
        head.push_str(&format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{title}\" \
             href=\"{href}\">",
            title = escape(&forum.display_name),
            href = escape(data.url(&format!("/@{}/feed.atom", forum.name)).as_str()),
        ));
    }
    head.push_str(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Journal announcements\" \
         href=\"{journal}\"><link rel=\"alternate\" type=\"text/calendar\" title=\"Webinars\" \
         href=\"{calendar}\"><meta property=\"og:title\" content=\"{site}\">\
         <meta property=\"og:type\" content=\"website\"><meta property=\"og:url\" \
         content=\"{home}\"><meta property=\"og:site_name\" content=\"{site}\">",
        journal = escape(data.url(&format!("/@{JOURNAL}/feed.atom")).as_str()),
        calendar = escape(data.url("/webinars.ics").as_str()),
        home = escape(data.url("/").as_str()),
        site = escape(SITE_NAME),
    ));
    let body = format!(
        "<h1>{site}</h1>\
         <p>Patients, caregivers and clinicians as partners in care. Follow these from your own \
         fediverse account (Mastodon, Lemmy, Misskey, GoToSocial…) by searching for the \
         handle.</p>\
         <section aria-labelledby=\"forums\"><h2 id=\"forums\">Forums</h2>{forums}</section>\
         <section aria-labelledby=\"journal\"><h2 id=\"journal\">Latest from the journal</h2>\
         <p>Follow <code>@{JOURNAL}@{domain}</code> · <a href=\"/@{JOURNAL}/feed.atom\" \
         type=\"application/atom+xml\">Atom feed</a></p>{articles}\
         <p><a href=\"/@{JOURNAL}\">All announcements</a></p></section>\
         <section aria-labelledby=\"webinars\"><h2 id=\"webinars\">Upcoming webinars</h2>\
         <p>Follow <code>@{WEBINARS}@{domain}</code> · <a href=\"/webinars.ics\" \
         type=\"text/calendar\">Calendar feed (.ics)</a></p>{events}\
         <p><a href=\"/@{WEBINARS}\">All webinars</a></p></section>",
        site = escape(SITE_NAME),
        forums = or_none(forum_items, "No forums yet."),
        articles = or_none(article_items, "No announcements yet."),
        events = or_none(event_items, "No webinars are planned yet."),
    );
    Ok(page(SITE_NAME, &head, &body))
}
