//! Connecting a store: Shopify (token, OAuth, client credentials), WooCommerce,
//! PrestaShop; each checks the connection before anything is saved.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::forms::{ConnectErrors, Forms, PrestaForm, ShopifyForm, WooForm};
use super::integrations::{connected, refused};
use super::text;
use crate::db;
use crate::error::AppError;
use crate::stores::connector::SyncError;
use crate::stores::model::Platform;
use crate::stores::prestashop::PrestaConnector;
use crate::stores::repo;
use crate::stores::shopify::{ShopifyConnector, valid_shop_domain};
use crate::stores::sync::{self, Credentials};
use crate::stores::woocommerce::WooConnector;
use crate::web::auth::Staff;
use crate::web::csrf::CsrfForm;
use crate::web::roles::Perm;
use crate::web::{AppState, Flow, paths};

/// Checks a Shopify shop and token with one cheap query, off the executor.
pub(super) async fn check_shopify(
    state: &AppState,
    shop: &str,
    token: &str,
    api_url: Option<String>,
) -> Result<(), String> {
    let base = api_url.unwrap_or_else(|| format!("https://{shop}"));
    let mut connector = ShopifyConnector::new(
        state.http.clone(),
        &base,
        &state.config.shopify.api_version,
        token.to_string(),
    );
    web::block(move || connector.check())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

pub(super) async fn connect_shopify(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<ShopifyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let shop = form
        .shop
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let token = form.token.trim().to_string();
    let mut errors = ConnectErrors::default();
    if !valid_shop_domain(&shop) {
        errors.shop = Some(
            "Ce n'est pas un domaine Shopify : il ressemble à votre-boutique.myshopify.com.".into(),
        );
    }
    if token.is_empty() {
        errors.token =
            Some("Collez le jeton d'accès Admin API (il commence souvent par shpat_).".into());
    }
    if errors.shop.is_none() && errors.token.is_none() {
        let api_url = state.config.shopify.api_url.clone();
        if let Err(message) = check_shopify(&state, &shop, &token, api_url.clone()).await {
            errors.token = Some(message);
        } else {
            let app_secret = Some(form.webhook_secret.trim().to_string()).filter(|s| !s.is_empty());
            let credentials = Credentials::ShopifyToken {
                token: token.clone(),
            };
            let flash = create_shopify_store(&state, &shop, credentials, token, app_secret).await?;
            return connected(&state, flow, flash).await;
        }
    }
    let forms = Forms {
        shopify: form,
        shopify_errors: errors,
        flow,
        ..Default::default()
    };
    refused(&state, &staff, forms).await
}

pub(super) async fn connect_woocommerce(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<WooForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (key, secret) = (form.key.trim().to_string(), form.secret.trim().to_string());
    let outcome = match crate::stores::site_address(&form.url) {
        None => Err(SiteError::Address(text::BAD_SITE.into())),
        Some(_) if key.is_empty() || secret.is_empty() => Err(SiteError::Keys(
            "Collez la clé client (ck_…) et le secret client (cs_…).".into(),
        )),
        Some((url, host)) => {
            let mut connector =
                WooConnector::new(state.http.clone(), &url, key.clone(), secret.clone());
            // The secret the owner pastes into WooCommerce's webhook settings.
            let hook = crate::token::random_token();
            connect_site(
                &state,
                Platform::WooCommerce,
                &url,
                &host,
                Credentials::WooKeys { key, secret },
                Some(hook),
                move || connector.check(),
            )
            .await?
        }
    };
    let mut forms = Forms {
        woo: WooForm {
            url: form.url,
            key: form.key,
            secret: String::new(),
        },
        flow,
        ..Default::default()
    };
    match outcome {
        Ok(()) => return connected(&state, flow, "connected").await,
        Err(SiteError::Address(m)) => forms.woo_url_error = Some(m),
        Err(SiteError::Keys(m)) => forms.woo_keys_error = Some(m),
    }
    refused(&state, &staff, forms).await
}

/// Why a site could not be connected, said next to the field at fault.
pub(super) enum SiteError {
    Address(String),
    Keys(String),
}

/// Checks a site's keys with one cheap call (off the executor), then registers the store
/// and starts its first sync. A refusal points at the keys; anything else at the address.
pub(super) async fn connect_site(
    state: &AppState,
    platform: Platform,
    url: &str,
    host: &str,
    credentials: Credentials,
    webhook_secret: Option<String>,
    check: impl FnOnce() -> Result<(), SyncError> + Send + 'static,
) -> Result<Result<(), SiteError>, AppError> {
    match web::block(check).await? {
        Err(SyncError::Abort { message }) => return Ok(Err(SiteError::Keys(message))),
        Err(e) => return Ok(Err(SiteError::Address(e.to_string()))),
        Ok(()) => {}
    }
    let (secrets, now) = (state.secrets.clone(), state.clock.now());
    let (url, host) = (url.to_string(), host.to_string());
    db::call(&state.db, move |conn| {
        let connection = sync::Connection {
            platform,
            name: &host,
            domain: &url,
            api_url: None,
            credentials,
            webhook_secret: webhook_secret.as_deref(),
            sync_minutes: 15,
        };
        sync::register_store(conn, &secrets, &connection, now)
    })
    .await?;
    // Created due now: the poller only needs waking.
    state.sync_wanted.notify_one();
    Ok(Ok(()))
}

/// Creates a connected Shopify store: credentials sealed, webhooks subscribed when the
/// appliance is reachable and the app secret is known, first sync started. Returns the
/// notice to show.
pub(super) async fn create_shopify_store(
    state: &AppState,
    shop: &str,
    credentials: Credentials,
    token: String,
    app_secret: Option<String>,
) -> Result<&'static str, AppError> {
    let mut flash = "connected";
    let mut sync_minutes = 15;
    if let (Some(public), Some(_)) = (&state.config.public_url, &app_secret) {
        let mut connector = ShopifyConnector::new(
            state.http.clone(),
            &shopify_base(state, shop),
            &state.config.shopify.api_version,
            token,
        );
        let uri = format!("{public}{}", crate::stores::webhooks::SHOPIFY_PATH);
        let subscribed = web::block(move || connector.subscribe(&uri)).await?;
        match subscribed {
            // Webhooks bring changes; an hourly poll is the safety net.
            Ok(_) => sync_minutes = 60,
            Err(e) => {
                tracing::warn!(error = %e, "Shopify webhook subscription failed");
                flash = "connected_no_webhooks";
            }
        }
    }
    let (secrets, now, api_url, shop) = (
        state.secrets.clone(),
        state.clock.now(),
        state.config.shopify.api_url.clone(),
        shop.to_string(),
    );
    db::call(&state.db, move |conn| {
        let connection = sync::Connection {
            platform: Platform::Shopify,
            name: &shop,
            domain: &shop,
            api_url: api_url.as_deref(),
            credentials,
            webhook_secret: app_secret.as_deref(),
            sync_minutes,
        };
        sync::register_store(conn, &secrets, &connection, now)
    })
    .await?;
    // Created due now: the poller only needs waking.
    state.sync_wanted.notify_one();
    Ok(flash)
}

/// The shop's domain as typed (with or without https://, or just its name), checked.
pub(super) fn shop_domain(input: &str) -> Option<String> {
    let trimmed = input
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let full = if trimmed.contains('.') {
        trimmed
    } else {
        format!("{trimmed}.myshopify.com")
    };
    valid_shop_domain(&full).then_some(full)
}

pub(super) fn shopify_base(state: &AppState, shop: &str) -> String {
    state
        .config
        .shopify
        .api_url
        .clone()
        .unwrap_or_else(|| format!("https://{shop}"))
}

/// The app credentials from the configuration, when OAuth is set up.
pub(super) fn oauth_app(state: &AppState) -> Option<(String, String)> {
    let id = state.config.shopify.client_id.clone()?;
    let secret = state
        .config
        .shopify
        .client_secret
        .as_ref()?
        .expose()
        .to_string();
    Some((id, secret))
}

pub(super) fn bad_shop_page(form_shop: String, flow: Flow) -> Forms {
    Forms {
        flow,
        shopify: ShopifyForm {
            shop: form_shop,
            ..Default::default()
        },
        shopify_errors: ConnectErrors {
            shop: Some(
                "Ce n'est pas un domaine Shopify : il ressemble à votre-boutique.myshopify.com."
                    .into(),
            ),
            token: None,
        },
        ..Default::default()
    }
}

#[derive(Deserialize)]
pub(super) struct AuthorizeForm {
    #[serde(default)]
    pub(super) shop: String,
}

pub(super) async fn shopify_authorize(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    req: actix_web::HttpRequest,
    CsrfForm(form): CsrfForm<AuthorizeForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Some((client_id, _)) = oauth_app(&state) else {
        return Err(AppError::BadRequest(
            "L'autorisation Shopify n'est pas configurée : ajoutez client_id et client_secret dans la section [shopify] de la configuration.".into(),
        ));
    };
    let Some(shop) = shop_domain(&form.shop) else {
        return refused(&state, &staff, bad_shop_page(form.shop, flow)).await;
    };
    let nonce = crate::token::random_token();
    let (hash, user, now, saved_shop) = (
        crate::token::hash_token(&nonce),
        staff.user.id,
        state.clock.now(),
        shop.clone(),
    );
    db::call(&state.db, move |conn| {
        let return_to = match flow {
            Flow::Wizard => "wizard",
            Flow::Settings => "",
        };
        repo::save_oauth_state(conn, &hash, &saved_shop, user, now, return_to)
    })
    .await?;
    // The browser comes back here; without public_url, to the address it uses now.
    let redirect_uri = format!(
        "{}{}",
        super::consent::return_base(&state, &req),
        paths::SHOPIFY_CALLBACK
    );
    let url = crate::stores::shopify::oauth::authorize_url(
        &shopify_base(&state, &shop),
        &client_id,
        &redirect_uri,
        &nonce,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish())
}

pub(super) async fn shopify_callback(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    use crate::stores::shopify::oauth;
    staff.require(Perm::ManageShop)?;
    let refused = |why: &str| {
        AppError::BadRequest(format!(
            "La connexion Shopify n'a pas abouti : {why}. Recommencez depuis la page Intégrations."
        ))
    };
    let (client_id, secret) =
        oauth_app(&state).ok_or_else(|| refused("l'autorisation n'est pas configurée"))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| refused("adresse de retour invalide"))?;
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !oauth::verify_query(secret.as_bytes(), &params) {
        tracing::warn!("Shopify OAuth callback with a bad hmac refused");
        return Err(refused("la signature de Shopify ne correspond pas"));
    }
    let now = state.clock.now().as_second();
    let fresh = get("timestamp")
        .parse::<i64>()
        .is_ok_and(|t| (now - t).abs() <= 24 * 3600);
    if !fresh {
        return Err(refused("la réponse de Shopify est trop ancienne"));
    }
    let shop = shop_domain(&get("shop")).ok_or_else(|| refused("domaine de boutique invalide"))?;
    let (hash, user, at) = (
        crate::token::hash_token(&get("state")),
        staff.user.id,
        state.clock.now(),
    );
    let issued = db::call(&state.db, move |conn| {
        repo::take_oauth_state(conn, &hash, user, at)
    })
    .await?;
    let flow = match issued {
        Some((issued_shop, return_to)) if issued_shop == shop => {
            if return_to == "wizard" {
                Flow::Wizard
            } else {
                Flow::Settings
            }
        }
        _ => return Err(refused("cette demande a expiré ou a déjà servi")),
    };
    let (agent, base, code) = (state.http.clone(), shopify_base(&state, &shop), get("code"));
    let (id_for_call, secret_for_call) = (client_id.clone(), secret.clone());
    let grant = web::block(move || {
        oauth::exchange_code(&agent, &base, &id_for_call, &secret_for_call, &code)
    })
    .await?
    .map_err(|e| refused(&e.to_string()))?;
    let missing = oauth::missing_scopes(&grant.scope);
    if !missing.is_empty() {
        return Err(refused(&format!(
            "autorisations manquantes : {}",
            missing.join(", ")
        )));
    }
    // The app's client secret also signs its webhooks.
    let credentials = Credentials::ShopifyToken {
        token: grant.token.clone(),
    };
    let flash = create_shopify_store(&state, &shop, credentials, grant.token, Some(secret)).await?;
    connected(&state, flow, flash).await
}

#[derive(Deserialize)]
pub(super) struct ClientForm {
    #[serde(default)]
    pub(super) shop: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) client_secret: String,
}

pub(super) async fn shopify_client(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<ClientForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Some(shop) = shop_domain(&form.shop) else {
        return refused(&state, &staff, bad_shop_page(form.shop, flow)).await;
    };
    let (client_id, client_secret) = (
        form.client_id.trim().to_string(),
        form.client_secret.trim().to_string(),
    );
    let mut errors = ConnectErrors::default();
    if client_id.is_empty() || client_secret.is_empty() {
        errors.token =
            Some("Collez l'identifiant client et le secret client de l'application.".into());
    } else {
        let (agent, base, id, secret) = (
            state.http.clone(),
            shopify_base(&state, &shop),
            client_id.clone(),
            client_secret.clone(),
        );
        let granted = web::block(move || {
            crate::stores::shopify::oauth::client_credentials(&agent, &base, &id, &secret)
        })
        .await?;
        match granted {
            Err(e) => errors.token = Some(e.to_string()),
            Ok(grant) => {
                let credentials = Credentials::ShopifyClient {
                    client_id,
                    client_secret: client_secret.clone(),
                };
                let flash = create_shopify_store(
                    &state,
                    &shop,
                    credentials,
                    grant.token,
                    Some(client_secret),
                )
                .await?;
                return connected(&state, flow, flash).await;
            }
        }
    }
    let forms = Forms {
        shopify: ShopifyForm {
            shop: form.shop,
            ..Default::default()
        },
        shopify_errors: errors,
        flow,
        ..Default::default()
    };
    refused(&state, &staff, forms).await
}

pub(super) async fn connect_prestashop(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<PrestaForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let key = form.key.trim().to_string();
    let outcome = match crate::stores::site_address(&form.url) {
        None => Err(SiteError::Address(text::BAD_SITE.into())),
        Some(_) if key.is_empty() => Err(SiteError::Keys("Collez la clé du webservice.".into())),
        Some((url, host)) => {
            let mut connector = PrestaConnector::new(state.http.clone(), &url, key.clone());
            connect_site(
                &state,
                Platform::PrestaShop,
                &url,
                &host,
                Credentials::PrestaKey { key },
                None,
                move || connector.check(),
            )
            .await?
        }
    };
    let mut forms = Forms {
        presta: PrestaForm {
            url: form.url,
            key: String::new(),
        },
        flow,
        ..Default::default()
    };
    match outcome {
        Ok(()) => return connected(&state, flow, "connected").await,
        Err(SiteError::Address(m)) => forms.presta_url_error = Some(m),
        Err(SiteError::Keys(m)) => forms.presta_key_error = Some(m),
    }
    refused(&state, &staff, forms).await
}

/// Checks a marketplace account (one cheap call, off the executor), then registers it
/// and starts its first sync; the platform's refusal when the check fails.
#[allow(clippy::too_many_arguments)]
async fn register_marketplace(
    state: &AppState,
    platform: Platform,
    name: String,
    domain: String,
    api_url: Option<String>,
    credentials: Credentials,
) -> Result<Result<(), SyncError>, AppError> {
    let (http, clock) = (state.http.clone(), state.clock.clone());
    let (base, shown) = (
        api_url
            .clone()
            .or_else(|| Some(domain.clone()).filter(|d| !d.is_empty())),
        name.clone(),
    );
    let checked = web::block(move || {
        sync::check_marketplace(&http, &clock, base.as_deref(), &shown, credentials)
    })
    .await?;
    let credentials = match checked {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let (secrets, now) = (state.secrets.clone(), state.clock.now());
    db::call(&state.db, move |conn| {
        let connection = sync::Connection {
            platform,
            name: &name,
            domain: &domain,
            api_url: api_url.as_deref(),
            credentials,
            webhook_secret: None,
            sync_minutes: 15,
        };
        sync::register_store(conn, &secrets, &connection, now)
    })
    .await?;
    state.sync_wanted.notify_one();
    Ok(Ok(()))
}

/// The name a marketplace account is shown under: as typed (60 characters at most), or
/// the platform's.
/// The address replacing a marketplace's own (`[marketplaces]` in the configuration).
pub(super) fn api_url(state: &AppState, platform: Platform) -> Option<String> {
    let m = &state.config.marketplaces;
    match platform {
        Platform::Amazon => m.amazon_api_url.clone(),
        Platform::Ebay => m.ebay_api_url.clone(),
        Platform::Etsy => m.etsy_api_url.clone(),
        Platform::Cdiscount => m.cdiscount_api_url.clone(),
        _ => None,
    }
}

/// Registers a marketplace account sent by its form: on to the next page, or back to
/// the form with the platform's refusal where `error` says.
pub(super) async fn connect_marketplace(
    state: &AppState,
    staff: &Staff,
    mut forms: Forms,
    platform: Platform,
    name: String,
    credentials: Credentials,
    error: fn(&mut Forms) -> &mut Option<String>,
) -> Result<HttpResponse, AppError> {
    let api_url = api_url(state, platform);
    match register_marketplace(state, platform, name, String::new(), api_url, credentials).await? {
        Ok(()) => connected(state, forms.flow, "connected").await,
        Err(e) => {
            *error(&mut forms) = Some(e.shown());
            refused(state, staff, forms).await
        }
    }
}

fn account_name(typed: &str, platform: &str) -> String {
    match typed.trim() {
        "" => platform.to_string(),
        n => n.chars().take(60).collect(),
    }
}

/// Connects an Amazon seller account (orders only).
pub(super) async fn connect_amazon(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let one = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let codes: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "marketplace")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    let name = account_name(&one("name"), "Amazon");
    let (client_id, client_secret, refresh_token) =
        (one("client_id"), one("client_secret"), one("refresh_token"));
    let ids: Option<Vec<String>> = codes
        .iter()
        .map(|c| crate::stores::amazon::mapping::marketplace_id(c).map(str::to_string))
        .collect();
    let mut forms = Forms {
        amazon: super::forms::AmazonForm {
            name: name.clone(),
            client_id: client_id.clone(),
            marketplaces: codes.clone(),
        },
        flow,
        ..Default::default()
    };
    let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
        forms.amazon_error =
            Some("Cochez au moins une place de marché (Amazon.fr, Amazon.de…).".into());
        return refused(&state, &staff, forms).await;
    };
    if client_id.is_empty() || client_secret.is_empty() || refresh_token.is_empty() {
        forms.amazon_error = Some(
            "Collez l'identifiant client, le secret et le jeton d'actualisation de l'application."
                .into(),
        );
        return refused(&state, &staff, forms).await;
    }
    let credentials = Credentials::AmazonLwa {
        client_id,
        client_secret,
        refresh_token,
        marketplaces: ids,
    };
    let api_url = api_url(&state, Platform::Amazon);
    match register_marketplace(
        &state,
        Platform::Amazon,
        name,
        String::new(),
        api_url,
        credentials,
    )
    .await?
    {
        Ok(()) => connected(&state, flow, "connected").await,
        Err(SyncError::Abort { message }) => {
            forms.amazon_keys_error = Some(message);
            refused(&state, &staff, forms).await
        }
        Err(e) => {
            forms.amazon_error = Some(e.shown());
            refused(&state, &staff, forms).await
        }
    }
}

/// Connects an eBay seller account (orders only): through eBay's consent screen, or
/// with a refresh token the owner already has.
pub(super) async fn connect_ebay(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<super::forms::EbayForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let name = account_name(&form.name, "eBay");
    let (client_id, client_secret, runame, refresh_token) = (
        form.client_id.trim().to_string(),
        form.client_secret.trim().to_string(),
        form.runame.trim().to_string(),
        form.refresh_token.trim().to_string(),
    );
    let mut forms = Forms {
        ebay: super::forms::EbayForm {
            name: name.clone(),
            client_id: client_id.clone(),
            runame: runame.clone(),
            ..Default::default()
        },
        flow,
        ..Default::default()
    };
    if client_id.is_empty() || client_secret.is_empty() {
        forms.ebay_error = Some("Collez l'App ID et le Cert ID de l'application.".into());
        return refused(&state, &staff, forms).await;
    }
    if refresh_token.is_empty() {
        if runame.is_empty() {
            forms.ebay_error = Some(
                "Collez le RuName de l'application : eBay s'en sert pour vous ramener ici après l'autorisation."
                    .into(),
            );
            return refused(&state, &staff, forms).await;
        }
        let pending = super::consent::Pending::Ebay {
            name,
            client_id,
            client_secret,
            runame,
            store: None,
        };
        return super::consent::begin(&state, &staff, flow, pending).await;
    }
    let credentials = Credentials::EbayOAuth {
        client_id,
        client_secret,
        refresh_token,
        runame,
    };
    connect_marketplace(
        &state,
        &staff,
        forms,
        Platform::Ebay,
        name,
        credentials,
        |f| &mut f.ebay_error,
    )
    .await
}

/// Connects an Etsy shop (orders only): through Etsy's consent screen (PKCE), or with
/// a refresh token the owner already has; the refresh token Etsy answers the check with
/// is the one kept.
pub(super) async fn connect_etsy(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    req: actix_web::HttpRequest,
    CsrfForm(form): CsrfForm<super::forms::EtsyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let name = account_name(&form.name, "Etsy");
    let (keystring, refresh_token, shop_id) = (
        form.keystring.trim().to_string(),
        form.refresh_token.trim().to_string(),
        form.shop_id.trim().to_string(),
    );
    let mut forms = Forms {
        etsy: super::forms::EtsyForm {
            name: name.clone(),
            keystring: keystring.clone(),
            shop_id: shop_id.clone(),
            ..Default::default()
        },
        flow,
        ..Default::default()
    };
    if keystring.is_empty() {
        forms.etsy_error = Some("Collez la clé de l'application (keystring).".into());
        return refused(&state, &staff, forms).await;
    }
    if shop_id.is_empty() || !shop_id.chars().all(|c| c.is_ascii_digit()) {
        forms.etsy_error = Some(
            "Le numéro de la boutique est fait de chiffres (il figure dans l'adresse de votre tableau de bord Etsy).".into(),
        );
        return refused(&state, &staff, forms).await;
    }
    if refresh_token.is_empty() {
        let pending = super::consent::Pending::Etsy {
            name,
            keystring,
            shop_id,
            verifier: crate::token::random_token(),
            redirect_uri: format!(
                "{}{}",
                super::consent::return_base(&state, &req),
                paths::ETSY_CALLBACK
            ),
            store: None,
        };
        return super::consent::begin(&state, &staff, flow, pending).await;
    }
    let credentials = Credentials::EtsyOAuth {
        keystring,
        refresh_token,
        shop_id,
    };
    connect_marketplace(
        &state,
        &staff,
        forms,
        Platform::Etsy,
        name,
        credentials,
        |f| &mut f.etsy_error,
    )
    .await
}

/// Connects a Cdiscount seller account through Octopia (orders only).
pub(super) async fn connect_cdiscount(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<super::forms::CdiscountForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let name = account_name(&form.name, "Cdiscount");
    let (client_id, client_secret, seller_id) = (
        form.client_id.trim().to_string(),
        form.client_secret.trim().to_string(),
        form.seller_id.trim().to_string(),
    );
    let mut forms = Forms {
        cdiscount: super::forms::CdiscountForm {
            name: name.clone(),
            client_id: client_id.clone(),
            seller_id: seller_id.clone(),
            ..Default::default()
        },
        flow,
        ..Default::default()
    };
    if client_id.is_empty() || client_secret.is_empty() {
        forms.cdiscount_error = Some("Collez l'identifiant client et le secret de l'API.".into());
        return refused(&state, &staff, forms).await;
    }
    if seller_id.is_empty() || !seller_id.chars().all(|c| c.is_ascii_digit()) {
        forms.cdiscount_error = Some(
            "Le numéro de vendeur est fait de chiffres (il figure en haut de votre espace vendeur Cdiscount).".into(),
        );
        return refused(&state, &staff, forms).await;
    }
    let credentials = Credentials::OctopiaClient {
        client_id,
        client_secret,
        seller_id,
    };
    connect_marketplace(
        &state,
        &staff,
        forms,
        Platform::Cdiscount,
        name,
        credentials,
        |f| &mut f.cdiscount_error,
    )
    .await
}

/// Connects a marketplace run on Mirakl (orders only).
pub(super) async fn connect_mirakl(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    CsrfForm(form): CsrfForm<super::forms::MiraklForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (key, name) = (form.key.trim().to_string(), form.name.trim().to_string());
    let shop_id = Some(form.shop_id.trim().to_string()).filter(|s| !s.is_empty());
    let mut forms = Forms {
        mirakl: super::forms::MiraklForm {
            url: form.url.clone(),
            name: form.name.clone(),
            key: String::new(),
            shop_id: form.shop_id.clone(),
        },
        flow,
        ..Default::default()
    };
    let Some((url, _)) = crate::stores::site_address(&form.url) else {
        forms.mirakl_url_error = Some(text::BAD_SITE.into());
        return refused(&state, &staff, forms).await;
    };
    if key.is_empty() || name.is_empty() {
        forms.mirakl_key_error =
            Some("Donnez le nom de la marketplace et collez la clé d'API de la boutique.".into());
        return refused(&state, &staff, forms).await;
    }
    let credentials = Credentials::MiraklKey { key, shop_id };
    match register_marketplace(&state, Platform::Mirakl, name, url, None, credentials).await? {
        Ok(()) => connected(&state, flow, "connected").await,
        Err(SyncError::Abort { message }) => {
            forms.mirakl_key_error = Some(message);
            refused(&state, &staff, forms).await
        }
        Err(e) => {
            forms.mirakl_url_error = Some(e.shown());
            refused(&state, &staff, forms).await
        }
    }
}
