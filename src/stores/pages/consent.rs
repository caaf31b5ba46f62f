//! Etsy's and eBay's consent screens: the owner authorises the shop's app at the
//! marketplace, which sends the browser back here with a one-time code, exchanged for the
//! refresh token the connector keeps (Etsy with PKCE). What the round trip needs (the
//! app's keys, the PKCE verifier, the account's name) waits sealed in `oauth_states`,
//! bound to the member, for ten minutes at most and one use.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::connect::api_url;
use super::forms::Forms;
use super::integrations::{connected, refused};
use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::connector::SyncError;
use crate::stores::model::Platform;
use crate::stores::repo;
use crate::stores::sync::{self, Credentials};
use crate::web::auth::Staff;
use crate::web::csrf::CsrfForm;
use crate::web::roles::Perm;
use crate::web::{AppState, Flow, paths};

/// An authorisation under way.
#[derive(Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "lowercase")]
pub(super) enum Pending {
    Etsy {
        name: String,
        keystring: String,
        shop_id: String,
        verifier: String,
        redirect_uri: String,
        /// The account being authorised again, or a new one.
        #[serde(default)]
        store: Option<i64>,
    },
    Ebay {
        name: String,
        client_id: String,
        client_secret: String,
        runame: String,
        #[serde(default)]
        store: Option<i64>,
    },
}

/// Where a marketplace sends the browser back: `public_url`, or the address the
/// browser uses now.
pub(super) fn return_base(state: &AppState, req: &HttpRequest) -> String {
    match &state.config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// The address to declare in the marketplace app, as the pages show it.
pub(super) fn shown_return(state: &AppState, path: &str) -> String {
    match &state.config.public_url {
        Some(url) => format!("{}{path}", url.trim_end_matches('/')),
        None => format!("http://{}{path}", state.config.bind),
    }
}

/// Saves the authorisation under way and sends the browser to the consent screen.
pub(super) async fn begin(
    state: &AppState,
    staff: &Staff,
    flow: Flow,
    pending: Pending,
) -> Result<HttpResponse, AppError> {
    let nonce = crate::token::random_token();
    let url = match &pending {
        Pending::Etsy {
            keystring,
            verifier,
            redirect_uri,
            ..
        } => crate::stores::etsy::authorize_url(
            api_url(state, Platform::Etsy).as_deref(),
            keystring,
            redirect_uri,
            &nonce,
            verifier,
        ),
        Pending::Ebay {
            client_id, runame, ..
        } => crate::stores::ebay::authorize_url(
            api_url(state, Platform::Ebay).as_deref(),
            client_id,
            runame,
            &nonce,
        ),
    };
    let json = serde_json::to_vec(&pending).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = state.secrets.seal(&json)?;
    let kept = base64::engine::general_purpose::STANDARD.encode(sealed);
    let (hash, user, now) = (
        crate::token::hash_token(&nonce),
        staff.user.id,
        state.clock.now(),
    );
    db::call(&state.db, move |conn| {
        let return_to = match flow {
            Flow::Wizard => "wizard",
            Flow::Settings => "",
        };
        repo::save_oauth_state(conn, &hash, &kept, user, now, return_to)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish())
}

#[derive(Deserialize)]
pub(super) struct Returned {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

/// The authorisation under way that `state` names, used once.
async fn take(
    state: &AppState,
    staff: &Staff,
    nonce: &str,
) -> Result<Option<(Pending, Flow)>, AppError> {
    let (hash, user, at) = (
        crate::token::hash_token(nonce),
        staff.user.id,
        state.clock.now(),
    );
    let issued = db::call(&state.db, move |conn| {
        repo::take_oauth_state(conn, &hash, user, at)
    })
    .await?;
    let Some((kept, return_to)) = issued else {
        return Ok(None);
    };
    let pending = base64::engine::general_purpose::STANDARD
        .decode(kept)
        .ok()
        .and_then(|sealed| state.secrets.open(&sealed).ok())
        .and_then(|json| serde_json::from_slice::<Pending>(&json).ok());
    let flow = if return_to == "wizard" {
        Flow::Wizard
    } else {
        Flow::Settings
    };
    Ok(pending.map(|p| (p, flow)))
}

/// The marketplace sent the browser back: with a code (authorised), or an error (the
/// owner declined). Either way the answer is said on the form; nothing is saved unless
/// the exchanged authorisation works. A reconnection renews the account's credentials.
pub(super) async fn returned(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<Returned>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Returned {
        code,
        state: nonce,
        error,
    } = query.into_inner();
    let Some((pending, flow)) = take(&state, &staff, &nonce).await? else {
        return Err(AppError::BadRequest(
            "Cette autorisation a expiré ou a déjà servi. Recommencez depuis la page Intégrations."
                .into(),
        ));
    };
    let declined = !error.is_empty() || code.is_empty();
    let http = state.http.clone();
    let (platform, store, name, exchanged) = match pending {
        Pending::Etsy {
            name,
            keystring,
            shop_id,
            verifier,
            redirect_uri,
            store,
        } => {
            let exchanged = if declined {
                Err(SyncError::abort(DECLINED))
            } else {
                let (key, base) = (keystring.clone(), api_url(&state, Platform::Etsy));
                web::block(move || {
                    crate::stores::etsy::exchange_code(
                        &http,
                        base.as_deref(),
                        &key,
                        &redirect_uri,
                        &code,
                        &verifier,
                    )
                })
                .await?
            };
            let credentials = exchanged.map(|refresh_token| Credentials::EtsyOAuth {
                keystring,
                refresh_token,
                shop_id,
            });
            (Platform::Etsy, store, name, credentials)
        }
        Pending::Ebay {
            name,
            client_id,
            client_secret,
            runame,
            store,
        } => {
            let exchanged = if declined {
                Err(SyncError::abort(DECLINED))
            } else {
                let (id, secret, ru) = (client_id.clone(), client_secret.clone(), runame.clone());
                let base = api_url(&state, Platform::Ebay);
                web::block(move || {
                    crate::stores::ebay::exchange_code(
                        &http,
                        base.as_deref(),
                        &id,
                        &secret,
                        &ru,
                        &code,
                    )
                })
                .await?
            };
            let credentials = exchanged.map(|refresh_token| Credentials::EbayOAuth {
                client_id,
                client_secret,
                refresh_token,
                runame,
            });
            (Platform::Ebay, store, name, credentials)
        }
    };
    match (exchanged, store) {
        (Ok(credentials), Some(id)) => match renew(&state, StoreId(id), credentials).await? {
            Ok(()) => connected(&state, flow, "connected").await,
            Err(e) => Err(AppError::BadRequest(e.shown())),
        },
        (Err(e), Some(_)) => Err(AppError::BadRequest(e.shown())),
        (exchanged, None) => {
            // Back on the connect form when refused, filled as it was sent.
            let mut forms = Forms {
                flow,
                ..Default::default()
            };
            let error: fn(&mut Forms) -> &mut Option<String> = if platform == Platform::Etsy {
                forms.etsy.name = name.clone();
                |f| &mut f.etsy_error
            } else {
                forms.ebay.name = name.clone();
                |f| &mut f.ebay_error
            };
            match exchanged {
                Ok(credentials) => {
                    super::connect::connect_marketplace(
                        &state,
                        &staff,
                        forms,
                        platform,
                        name,
                        credentials,
                        error,
                    )
                    .await
                }
                Err(e) => {
                    *error(&mut forms) = Some(e.shown());
                    refused(&state, &staff, forms).await
                }
            }
        }
    }
}

const DECLINED: &str = "L'autorisation n'a pas été donnée sur la marketplace ; rien n'a été enregistré. Recommencez quand vous voulez.";

/// Checks an account's renewed credentials, then keeps them and asks a sync.
pub(super) async fn renew(
    state: &AppState,
    id: StoreId,
    credentials: Credentials,
) -> Result<Result<(), SyncError>, AppError> {
    let store = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let (http, clock) = (state.http.clone(), state.clock.clone());
    let base = store
        .api_url
        .clone()
        .or_else(|| Some(store.domain.clone()).filter(|d| !d.is_empty()));
    let name = store.name.clone();
    let checked = web::block(move || {
        sync::check_marketplace(&http, &clock, base.as_deref(), &name, credentials)
    })
    .await?;
    let credentials = match checked {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let sealed = sync::seal_credentials(&state.secrets, &credentials)?;
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            repo::set_credentials(tx, id, &sealed)?;
            repo::sync_soon(tx, id, now)
        })
    })
    .await?;
    // Made due in the same transaction: the poller only needs waking.
    state.sync_wanted.notify_one();
    Ok(Ok(()))
}

/// "Autoriser à nouveau": the consent screen again for a connected Etsy or eBay
/// account, with the app's keys it already has.
pub(super) async fn reauthorize(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<RunameForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let store = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let stored = store
        .credentials
        .as_deref()
        .and_then(|sealed| state.secrets.open(sealed).ok())
        .and_then(|plain| serde_json::from_slice::<Credentials>(&plain).ok());
    let pending = match stored {
        Some(Credentials::EtsyOAuth {
            keystring, shop_id, ..
        }) => Pending::Etsy {
            name: store.name.clone(),
            keystring,
            shop_id,
            verifier: crate::token::random_token(),
            redirect_uri: format!("{}{}", return_base(&state, &req), paths::ETSY_CALLBACK),
            store: Some(id.0),
        },
        Some(Credentials::EbayOAuth {
            client_id,
            client_secret,
            runame,
            ..
        }) => {
            let runame = Some(form.runame.trim().to_string())
                .filter(|r| !r.is_empty())
                .unwrap_or(runame);
            if runame.is_empty() {
                return Err(AppError::BadRequest(
                    "Donnez le RuName de l'application eBay : eBay s'en sert pour vous ramener ici."
                        .into(),
                ));
            }
            Pending::Ebay {
                name: store.name.clone(),
                client_id,
                client_secret,
                runame,
                store: Some(id.0),
            }
        }
        _ => {
            return Err(AppError::BadRequest(
                "Ce compte ne s'autorise pas ainsi : utilisez le formulaire de reconnexion.".into(),
            ));
        }
    };
    begin(&state, &staff, Flow::Settings, pending).await
}

#[derive(Deserialize)]
pub(super) struct RunameForm {
    #[serde(default)]
    runame: String,
}

/// The paths marketplaces send the browser back to.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::ETSY_CALLBACK, web::get().to(returned))
        .route(paths::EBAY_CALLBACK, web::get().to(returned))
        .route(paths::STORE_REAUTHORIZE, web::post().to(reauthorize));
}
