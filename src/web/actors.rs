//! Local actors' pages at `/@{name}` (and at their ids, for browsers): the profile with how to
//! follow it, then what the actor gathers, newest first and paged (`?page=N`): a forum's
//! threads with their reply counts, the journal's announcements, the webinars (upcoming, then
//! past ones paged), a member's posts.

use activitypub_federation::config::Data;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::{
    escape,
    layout::{page, Page, SITE_NAME},
    paragraphs,
    parts::{last_page, pager, post_item, Labels, PER_PAGE},
};
use crate::{
    db::{
        now_millis,
        posts::{page_past_counted, COUNTED_UP_TO},
    },
    error::{Error, Result},
    model::{ActorKind, LocalActor, Post, PostKind},
    service::publishing::{JOURNAL, WEBINARS},
    state::AppState,
};

/// The most upcoming webinars listed.
const UPCOMING_LIMIT: i64 = 100;

/// `?page=N` of a list page.
#[derive(Debug, Deserialize)]
pub struct PageParam {
    page: Option<String>,
}

impl PageParam {
    /// The `page` of a raw query string (`page=2&x=y`), the first if it is given twice.
    pub fn from_query(query: Option<&str>) -> PageParam {
        PageParam {
            page: query.and_then(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .find(|(key, _)| key == "page")
                    .map(|(_, value)| value.into_owned())
            }),
        }
    }

    /// The page asked for, from 1; 400 when it is not a number in range.
    pub fn number(&self) -> Result<i64> {
        match &self.page {
            None => Ok(1),
            Some(text) => match text.parse::<i64>() {
                Ok(page) if (1..=1_000_000).contains(&page) => Ok(page),
                _ => Err(Error::BadRequest("page must be a number from 1".into())),
            },
        }
    }
}

/// `GET /@{name}[?page=N]`: an actor's page.
pub async fn profile(
    data: Data<AppState>,
    Path(at_name): Path<String>,
    Query(query): Query<PageParam>,
) -> Result<Page> {
    let name = at_name.strip_prefix('@').ok_or(Error::NotFound)?;
    let row = data
        .db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    actor_page_at(&data, &row, query.number()?).await
}

/// The first page of a local actor, also served at its id for browsers.
pub async fn actor_page(data: &AppState, row: &LocalActor) -> Result<Page> {
    actor_page_at(data, row, 1).await
}

/// What a page of an actor lists: a heading, items, the pager; and the feed it has.
struct Listing {
    html: String,
    feed: Option<(&'static str, String)>,
}

/// Page `number` of a local actor's page. 404 past the last page.
pub async fn actor_page_at(data: &AppState, row: &LocalActor, number: i64) -> Result<Page> {
    let path = format!("/@{}", row.name);
    let listing = match row.kind {
        ActorKind::Group => {
            roots(data, row, PostKind::Thread, number, "Threads", "threads").await?
        }
        ActorKind::Organization if row.name == JOURNAL => {
            roots(
                data,
                row,
                PostKind::Article,
                number,
                "Announcements",
                "announcements",
            )
            .await?
        }
        ActorKind::Organization if row.name == WEBINARS => webinars(data, row, number).await?,
        ActorKind::Person => members_posts(data, row, number).await?,
        _ if number == 1 => Listing {
            html: String::new(),
            feed: None,
        },
        _ => return Err(Error::NotFound),
    };
    let actor_id = data.actor_url(row);
    let handle = format!("@{}@{}", row.name, data.config.domain);
    let followers = data.db.count_followers(row.id).await?;
    let icon = data.url("/icon.png");
    let mut head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">\
         <meta name=\"description\" content=\"{summary}\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{summary}\">\
         <meta property=\"og:url\" content=\"{profile}\">\
         <meta property=\"og:image\" content=\"{icon}\">\
         <meta property=\"og:type\" content=\"profile\">\
         <meta property=\"og:site_name\" content=\"{site}\">",
        id = escape(actor_id.as_str()),
        title = escape(&row.display_name),
        summary = escape(&row.summary),
        profile = escape(data.url(&path).as_str()),
        icon = escape(icon.as_str()),
        site = escape(SITE_NAME),
    );
    let mut feed_link = String::new();
    if let Some((kind, href)) = &listing.feed {
        head.push_str(&format!(
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{title}\" href=\"{href}\">",
            title = escape(&row.display_name),
            href = escape(href),
        ));
        let label = if *kind == "text/calendar" {
            "Calendar feed (.ics)"
        } else {
            "Atom feed"
        };
        feed_link = format!(
            "<p><a href=\"{href}\" type=\"{kind}\">{label}</a></p>",
            href = escape(href)
        );
    }
    if row.kind == ActorKind::Group && data.db.forum_log_is_public(row.id).await? {
        feed_link.push_str(&format!(
            "<p><a href=\"{}/log\">Moderation log</a></p>",
            escape(&path)
        ));
    }
    let body = format!(
        "<header><p><img class=\"avatar\" src=\"{icon}\" alt=\"\" width=\"64\" height=\"64\"></p>\
         <h1>{title}</h1><p><code>{handle}</code></p>{summary}\
         <p>{followers} followers. To follow, search for <code>{handle}</code> on your own \
         instance.</p>{feed_link}</header>{listing}",
        icon = escape(icon.as_str()),
        title = escape(&row.display_name),
        handle = escape(&handle),
        summary = paragraphs(&row.summary),
        listing = listing.html,
    );
    let title = if number > 1 {
        format!("{} (page {number})", row.display_name)
    } else {
        row.display_name.clone()
    };
    Ok(page(&title, &head, &body))
}

/// 404 for a page past the last one (page 1 always exists).
fn check_page(number: i64, total: i64) -> Result<()> {
    if number > last_page(total) {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

fn list(posts: &[Post], item: impl Fn(&Post) -> String, empty: &str) -> String {
    if posts.is_empty() {
        format!("<p>{empty}</p>")
    } else {
        format!(
            "<ol class=\"items\">{}</ol>",
            posts.iter().map(item).collect::<String>()
        )
    }
}

/// A forum's threads (with reply counts) or the journal's announcements.
async fn roots(
    data: &AppState,
    row: &LocalActor,
    kind: PostKind,
    number: i64,
    heading: &str,
    noun: &str,
) -> Result<Listing> {
    let (posts, total) = data
        .db
        .visible_roots(row.id, kind, PER_PAGE, (number - 1) * PER_PAGE)
        .await?;
    check_page(number, total)?;
    let counts = if kind == PostKind::Thread {
        let ids: Vec<i64> = posts.iter().map(|post| post.id).collect();
        Some(data.db.visible_reply_counts(&ids).await?)
    } else {
        None
    };
    let labels = Labels::of(data, &posts).await?;
    let items = list(
        &posts,
        |post| {
            let replies = counts
                .as_ref()
                .map(|counts| counts.get(&post.id).copied().unwrap_or(0));
            post_item(data, post, replies, &labels)
        },
        &format!("No {noun} yet."),
    );
    let path = format!("/@{}", row.name);
    Ok(Listing {
        html: format!(
            "<section aria-labelledby=\"list\"><h2 id=\"list\">{heading}</h2>{items}{pager}\
             </section>",
            pager = pager(
                &path,
                number,
                total,
                &format!("Newer {noun}"),
                &format!("Older {noun}")
            ),
        ),
        feed: Some((
            "application/atom+xml",
            data.url(&format!("{path}/feed.atom")).to_string(),
        )),
    })
}

/// Upcoming webinars (all of them, soonest first), then past ones, paged.
async fn webinars(data: &AppState, row: &LocalActor, number: i64) -> Result<Listing> {
    let now = now_millis();
    let upcoming = data.db.events_ending_after(now, UPCOMING_LIMIT).await?;
    let (past, total) = data
        .db
        .visible_events_ended_by(now, PER_PAGE, (number - 1) * PER_PAGE)
        .await?;
    check_page(number, total)?;
    let labels = Labels::default();
    let item = |post: &Post| post_item(data, post, None, &labels);
    let path = format!("/@{}", row.name);
    let upcoming = if number == 1 {
        format!(
            "<section aria-labelledby=\"upcoming\"><h2 id=\"upcoming\">Upcoming webinars</h2>\
             {}</section>",
            list(&upcoming, item, "No webinars are planned yet.")
        )
    } else {
        String::new()
    };
    Ok(Listing {
        html: format!(
            "{upcoming}<section aria-labelledby=\"past\"><h2 id=\"past\">Past webinars</h2>\
             {}{}</section>",
            list(&past, item, "None yet."),
            pager(&path, number, total, "Later webinars", "Earlier webinars"),
        ),
        feed: Some(("text/calendar", data.url("/webinars.ics").to_string())),
    })
}

/// What a member wrote: threads and replies, newest first. Counted, and listed, only as far as
/// [`COUNTED_UP_TO`] (the newest 10,000: the heading says so when there are more), as the
/// outbox is: a count of all of them took ≈ 140 ms a page for 110,000 posts.
async fn members_posts(data: &AppState, row: &LocalActor, number: i64) -> Result<Listing> {
    if page_past_counted(number, PER_PAGE) {
        return Err(Error::NotFound);
    }
    let counted = data.db.count_outbox(row.id, false, COUNTED_UP_TO).await?;
    let listed = counted.min(COUNTED_UP_TO);
    check_page(number, listed)?;
    let posts = data
        .db
        .outbox_page(row.id, false, PER_PAGE, (number - 1) * PER_PAGE)
        .await?;
    let labels = Labels::of(data, &posts).await?;
    let path = format!("/@{}", row.name);
    let heading = if counted > COUNTED_UP_TO {
        format!("Posts <span class=\"meta\">(the newest {COUNTED_UP_TO} are listed)</span>")
    } else {
        "Posts".to_string()
    };
    Ok(Listing {
        html: format!(
            "<section aria-labelledby=\"list\"><h2 id=\"list\">{heading}</h2>{}{}</section>",
            list(
                &posts,
                |post| post_item(data, post, None, &labels),
                "Nothing written yet."
            ),
            pager(&path, number, listed, "Newer posts", "Older posts"),
        ),
        feed: None,
    })
}
