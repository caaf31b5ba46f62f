//! The answers pages give: a page of HTML, or "see this other page" after a form.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use maud::Markup;

/// The content type of every page.
pub const HTML: &str = "text/html; charset=utf-8";

pub fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(HTML)
        .body(markup.into_string())
}

/// 303 See Other: after a form, the browser loads `to` with a GET.
pub fn redirect(to: impl AsRef<str>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.as_ref()))
        .finish()
}
