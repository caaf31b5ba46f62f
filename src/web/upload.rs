//! Multipart uploads (CSV imports): every field read with a size limit, the CSRF token
//! checked before anything is used.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::error::AppError;
use crate::web::csrf;

/// Largest upload accepted (a catalogue of tens of thousands of lines fits).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

/// Reads all fields of a multipart form into memory, refusing more than `MAX_UPLOAD`.
pub async fn read_form(
    req: &HttpRequest,
    mut multipart: Multipart,
) -> Result<HashMap<String, Vec<u8>>, AppError> {
    let mut fields = HashMap::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| {
            AppError::BadRequest("Le fichier n'a pas été reçu en entier. Réessayez.".into())
        })?;
        let name = field.name().unwrap_or("").to_string();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| {
                AppError::BadRequest("Le fichier n'a pas été reçu en entier. Réessayez.".into())
            })?;
            total += chunk.len();
            if total > MAX_UPLOAD {
                return Err(AppError::BadRequest(
                    "Le fichier est trop volumineux (20 Mo au plus).".into(),
                ));
            }
            data.extend_from_slice(&chunk);
        }
        fields.insert(name, data);
    }
    let token = fields
        .get(csrf::FIELD)
        .and_then(|t| std::str::from_utf8(t).ok());
    csrf::check(req, token)?;
    Ok(fields)
}
