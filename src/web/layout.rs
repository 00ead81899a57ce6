//! The frame of every HTML page (landmarks, the one stylesheet, the site's name) and the security
//! headers that every page, feed and calendar carries.
//!
//! Architecture invariant: an HTML page is a [`Page`], made by [`page`]; its only way into a
//! response is `Page::into_response`, which adds [`security_headers`]. So no page can be served
//! without them. The policy allows no script at all: the pages work without it, and user content
//! that slipped past the sanitizer still could not run.

use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::{Html, IntoResponse, Response},
};

use super::escape;

/// The Society's name, as pages and feeds show it.
pub const SITE_NAME: &str = "Society for Participatory Medicine";

/// No script, no plugin, no frame; styles only inline (the one `<style>` below); images from
/// here or https; forms post only here; no `<base>` to redirect relative links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page, ready to be answered (200 unless paired with another status).
#[derive(Debug, Clone)]
pub struct Page(pub String);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = Html(self.0).into_response();
        security_headers(response.headers_mut());
        response
    }
}

/// Adds the security headers: the content security policy, no content-type sniffing, and no
/// full referrer to other sites (a page's address can name a tag or a thread).
pub fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:0 auto;\
padding:0 1rem 2rem;line-height:1.5;color:#1d2b2f;background:#fff}\
a{color:#0b5566}a:focus{outline:3px solid #e0a400;outline-offset:2px}\
main{overflow-wrap:anywhere}pre{overflow-x:auto;background:#eef4f5;padding:.5rem}\
code{background:#eef4f5;padding:.1rem .3rem}\
.skip{position:absolute;left:-100vw}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
.site{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:.75rem 0;margin-bottom:1rem;\
border-bottom:1px solid #c5d3d6}.site a:first-child{font-weight:700}\
footer{margin-top:3rem;border-top:1px solid #c5d3d6;color:#4a5a5e;font-size:.9rem}\
.meta{color:#4a5a5e;font-size:.9rem;margin:.25rem 0}\
.avatar{border-radius:50%}\
.items{list-style:none;padding:0}.items>li{margin:0 0 1.25rem}\
.items h3{margin:0;font-size:1.1rem}\
.replies{list-style:none;margin:0;padding-left:.75rem;border-left:2px solid #c5d3d6}\
.replies>li{margin:.75rem 0}.reply{margin:0}.reply>header{margin:0}\
.gone{color:#4a5a5e;font-style:italic}\
blockquote{margin:1rem 0;padding-left:.75rem;border-left:3px solid #c5d3d6}\
details.cw>summary{cursor:pointer;font-weight:600}\
.pager{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}\
.tags a{margin-right:.5rem}.kicker{margin:0;text-transform:uppercase;font-size:.8rem}\
.private{background:#fff4d6;border-left:3px solid #b07d00;padding:.1rem .5rem}\
.reply.private{padding:.25rem .5rem}p.private{margin:.25rem 0}\
.label{background:#e3f1e8;border:1px solid #2f7a4a;border-radius:.75rem;color:#1d5232;font-size:.8rem;padding:0 .4rem;white-space:nowrap}\
.error{color:#8a1c1c;border-left:3px solid #8a1c1c;padding-left:.75rem}\
textarea,input{font:inherit;max-width:100%;box-sizing:border-box}textarea{width:100%}";

/// A whole page: `title` (text) in the `<title>`, `head_extra` (HTML) in the head, `body`
/// (HTML, starting with the page's `<h1>`) as the main landmark, between the site's navigation
/// and footer.
pub fn page(title: &str, head_extra: &str, body: &str) -> Page {
    Page(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>{head_extra}<style>{STYLE}</style></head>\
         <body><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header><nav class=\"site\" aria-label=\"Site\"><a href=\"/\">{site}</a>\
         <a href=\"/@journal\">Journal</a><a href=\"/@webinars\">Webinars</a>\
         <a href=\"/login\">Log in</a></nav></header>\
         <main id=\"main\">{body}</main>\
         <footer><p>{site}, on Rounds. Follow any forum from your own fediverse account.</p>\
         </footer></body></html>\n",
        title = escape(title),
        site = escape(SITE_NAME),
    ))
}
