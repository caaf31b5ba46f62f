//! Static files embedded in the binary. Links carry a content hash (`?v=`), so a
//! matching request is cached for a year; any other gets an ETag and revalidates.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::token;
use crate::web::paths;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "demo/*"]
struct Public;

/// Versioned URL of an embedded file, for links in pages.
pub fn url(file: &str) -> String {
    match Public::get(file) {
        Some(f) => format!(
            "{}/{file}?v={}",
            paths::ASSETS,
            &token::hex(&f.metadata.sha256_hash())[..12]
        ),
        None => format!("{}/{file}", paths::ASSETS),
    }
}

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = Public::get(&path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("fichier introuvable");
    };
    let hash = token::hex(&file.metadata.sha256_hash());
    let etag = format!("\"{}\"", &hash[..32]);
    let versioned =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("v").cloned())
            .is_some_and(|v| hash.starts_with(&v) && !v.is_empty());
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.into_owned())
}
