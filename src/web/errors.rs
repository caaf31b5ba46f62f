//! How errors meet people: a status, a stable code, a safe French page. The full cause
//! chain goes to the log; SQL or parser text never reaches a browser.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::error::{AppError, minutes_fr};
use crate::web::{layout, paths, respond};

/// The error and each of its causes, for the log.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

fn title_and_message(e: &AppError) -> (&'static str, String) {
    match e {
        AppError::NotFound => (
            "Page introuvable",
            "Cette page n'existe pas ou a été déplacée. Revenez au tableau de bord.".into(),
        ),
        AppError::LoginRequired { .. } => (
            "Connexion requise",
            "Connectez-vous pour accéder à cette page.".into(),
        ),
        AppError::Forbidden => (
            "Accès refusé",
            "Votre rôle ne permet pas cette action. Demandez à un administrateur si vous en avez besoin.".into(),
        ),
        AppError::Csrf => (
            "Formulaire expiré",
            "Ce formulaire a expiré ou ne vient pas de Comptoir. Rechargez la page et réessayez : rien n'a été enregistré.".into(),
        ),
        AppError::BadRequest(message) => ("Demande invalide", message.clone()),
        AppError::RateLimited { retry_after_secs } => (
            "Trop de tentatives",
            format!(
                "Trop de tentatives de connexion. Réessayez dans {}.",
                minutes_fr(*retry_after_secs)
            ),
        ),
        // Everything else went wrong on our side (`code()` says "internal").
        _ => (
            "Erreur interne",
            "Une erreur inattendue s'est produite. Rien n'a été perdu ; réessayez dans un instant. Le détail est dans le journal du serveur.".into(),
        ),
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %chain(self), "request failed");
        }
        if let AppError::LoginRequired { next } = self {
            let location = match next {
                Some(next) => format!(
                    "{}?next={}",
                    paths::LOGIN,
                    serde_urlencoded::to_string([("", next)])
                        .unwrap_or_default()
                        .trim_start_matches('=')
                ),
                None => paths::LOGIN.to_string(),
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        let (title, message) = title_and_message(self);
        let mut response = HttpResponse::build(status);
        response.insert_header(("X-Comptoir-Error", self.code()));
        if let AppError::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response
            .content_type(respond::HTML)
            .body(layout::error_page(status.as_u16(), title, &message).into_string())
    }
}

/// For machine clients (the widget's API): an error as JSON, `{"error": message,
/// "code": code}`, never a page; the same status and `X-Comptoir-Error` header.
pub async fn as_json(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(error) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    else {
        return Ok(res.map_into_boxed_body());
    };
    let (_, message) = title_and_message(error);
    let mut json = HttpResponse::build(error.status_code());
    json.insert_header(("X-Comptoir-Error", error.code()));
    if let AppError::RateLimited { retry_after_secs } = error {
        json.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
    }
    let body = json.json(serde_json::json!({"error": message, "code": error.code()}));
    Ok(res.into_response(body))
}
