//! The connect forms of the Integrations page and what they were sent.

use maud::{Markup, html};
use serde::Deserialize;

use super::text;
use crate::stores::manual::csv::LineError;
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, card, csrf_input};
use crate::web::{Flow, paths};

#[derive(Default, Deserialize)]
pub(super) struct PrestaForm {
    #[serde(default)]
    pub(super) url: String,
    #[serde(default)]
    pub(super) key: String,
}

#[derive(Default, Deserialize)]
pub(super) struct WooForm {
    #[serde(default)]
    pub(super) url: String,
    #[serde(default)]
    pub(super) key: String,
    #[serde(default)]
    pub(super) secret: String,
}

/// What the connect forms were sent, and what was wrong with it.
#[derive(Default)]
pub(super) struct Forms {
    pub(super) shopify: ShopifyForm,
    pub(super) shopify_errors: ConnectErrors,
    pub(super) woo: WooForm,
    pub(super) woo_url_error: Option<String>,
    pub(super) woo_keys_error: Option<String>,
    pub(super) presta: PrestaForm,
    pub(super) presta_url_error: Option<String>,
    pub(super) presta_key_error: Option<String>,
    pub(super) amazon: AmazonForm,
    pub(super) amazon_error: Option<String>,
    pub(super) amazon_keys_error: Option<String>,
    pub(super) ebay: EbayForm,
    pub(super) ebay_error: Option<String>,
    pub(super) etsy: EtsyForm,
    pub(super) etsy_error: Option<String>,
    pub(super) cdiscount: CdiscountForm,
    pub(super) cdiscount_error: Option<String>,
    pub(super) mirakl: MiraklForm,
    pub(super) mirakl_url_error: Option<String>,
    pub(super) mirakl_key_error: Option<String>,
    pub(super) manual_name: String,
    pub(super) manual_error: Option<String>,
    /// A catalogue import into a connected manual store, refused.
    pub(super) import_errors: Vec<LineError>,
    /// The new manual store's file, refused: shown in its own form.
    pub(super) manual_import_errors: Vec<LineError>,
    /// The page the forms were sent from (Intégrations or the setup wizard).
    pub(super) flow: Flow,
}

pub(super) fn woo_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::WOO_TITLE,
        html! {
            p.muted { (text::WOO_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_WOOCOMMERCE)) novalidate {
                (csrf_input(&staff.csrf))
                (Field::new(text::SITE_URL, "url").kind("url").value(&f.woo.url).required().hint(text::SITE_URL_HINT).error(f.woo_url_error.as_deref()).render())
                (Field::new(text::WOO_KEY, "key").value(&f.woo.key).required().render())
                (Field::new(text::WOO_SECRET, "secret").kind("password").required().error(f.woo_keys_error.as_deref()).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

pub(super) fn presta_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::PRESTA_TITLE,
        html! {
            p.muted { (text::PRESTA_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_PRESTASHOP)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("presta-url".into()), ..Field::new(text::SITE_URL, "url") }.kind("url").value(&f.presta.url).required().hint(text::SITE_URL_HINT).error(f.presta_url_error.as_deref()).render())
                (Field::new(text::PRESTA_KEY, "key").kind("password").required().error(f.presta_key_error.as_deref()).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

/// An Amazon seller account's connection, as typed (secrets are never sent back).
#[derive(Default)]
pub(super) struct AmazonForm {
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) marketplaces: Vec<String>,
}

pub(super) fn amazon_form(staff: &Staff, f: &Forms) -> Markup {
    let chosen = |code: &str| {
        if f.amazon.marketplaces.is_empty() {
            code == "FR"
        } else {
            f.amazon.marketplaces.iter().any(|m| m == code)
        }
    };
    card(
        text::AMAZON_TITLE,
        html! {
            p.muted { (text::AMAZON_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_AMAZON)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("amazon-name".into()), ..Field::new(text::AMAZON_NAME, "name") }.value(if f.amazon.name.is_empty() { "Amazon" } else { &f.amazon.name }).render())
                (Field::new(text::AMAZON_CLIENT_ID, "client_id").value(&f.amazon.client_id).required().error(f.amazon_error.as_deref()).render())
                (Field { id: Some("amazon-client-secret".into()), ..Field::new(text::AMAZON_CLIENT_SECRET, "client_secret") }.kind("password").required().render())
                (Field::new(text::AMAZON_REFRESH, "refresh_token").kind("password").required().hint(text::AMAZON_REFRESH_HINT).error(f.amazon_keys_error.as_deref()).render())
                fieldset {
                    legend { (text::AMAZON_MARKETS) }
                    div.choices {
                        @for (code, _, storefront) in crate::stores::amazon::mapping::MARKETPLACES {
                            label { input type="checkbox" name="marketplace" value=(code) checked[chosen(code)]; (storefront) }
                        }
                    }
                }
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

#[derive(Default, Deserialize)]
pub(super) struct EbayForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) client_secret: String,
    /// The app's redirect URL name, for eBay's consent screen.
    #[serde(default)]
    pub(super) runame: String,
    #[serde(default)]
    pub(super) refresh_token: String,
}

pub(super) fn ebay_form(staff: &Staff, f: &Forms, return_url: &str) -> Markup {
    card(
        text::EBAY_TITLE,
        html! {
            p.muted { (text::EBAY_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_EBAY)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("ebay-name".into()), ..Field::new(text::AMAZON_NAME, "name") }.value(if f.ebay.name.is_empty() { "eBay" } else { &f.ebay.name }).render())
                (Field { id: Some("ebay-client".into()), ..Field::new(text::EBAY_CLIENT_ID, "client_id") }.value(&f.ebay.client_id).required().render())
                (Field { id: Some("ebay-secret".into()), ..Field::new(text::EBAY_CLIENT_SECRET, "client_secret") }.kind("password").required().render())
                (Field { id: Some("ebay-runame".into()), ..Field::new(text::EBAY_RUNAME, "runame") }.value(&f.ebay.runame).hint(&format!("{} {return_url}", text::EBAY_RUNAME_HINT)).render())
                details.more {
                    summary { (text::HAVE_REFRESH) }
                    (Field { id: Some("ebay-refresh".into()), ..Field::new(text::EBAY_REFRESH, "refresh_token") }.kind("password").render())
                }
                @if let Some(e) = &f.ebay_error { (alert(Tone::Danger, e)) }
                div.actions { button.btn.primary type="submit" { (text::AUTHORIZE_EBAY) } }
            }
        },
    )
}

#[derive(Default, Deserialize)]
pub(super) struct EtsyForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) keystring: String,
    #[serde(default)]
    pub(super) refresh_token: String,
    #[serde(default)]
    pub(super) shop_id: String,
}

pub(super) fn etsy_form(staff: &Staff, f: &Forms, return_url: &str) -> Markup {
    card(
        text::ETSY_TITLE,
        html! {
            p.muted { (text::ETSY_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_ETSY)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("etsy-name".into()), ..Field::new(text::AMAZON_NAME, "name") }.value(if f.etsy.name.is_empty() { "Etsy" } else { &f.etsy.name }).render())
                (Field { id: Some("etsy-key".into()), ..Field::new(text::ETSY_KEY, "keystring") }.value(&f.etsy.keystring).required().hint(&format!("{} {return_url}", text::ETSY_RETURN_HINT)).render())
                (Field { id: Some("etsy-shop".into()), ..Field::new(text::ETSY_SHOP, "shop_id") }.value(&f.etsy.shop_id).required().render())
                details.more {
                    summary { (text::HAVE_REFRESH) }
                    (Field { id: Some("etsy-refresh".into()), ..Field::new(text::ETSY_REFRESH, "refresh_token") }.kind("password").render())
                }
                @if let Some(e) = &f.etsy_error { (alert(Tone::Danger, e)) }
                div.actions { button.btn.primary type="submit" { (text::AUTHORIZE_ETSY) } }
            }
        },
    )
}

#[derive(Default, Deserialize)]
pub(super) struct CdiscountForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) client_secret: String,
    #[serde(default)]
    pub(super) seller_id: String,
}

pub(super) fn cdiscount_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::CDISCOUNT_TITLE,
        html! {
            p.muted { (text::CDISCOUNT_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_CDISCOUNT)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("cdiscount-name".into()), ..Field::new(text::AMAZON_NAME, "name") }.value(if f.cdiscount.name.is_empty() { "Cdiscount" } else { &f.cdiscount.name }).render())
                (Field { id: Some("cdiscount-client".into()), ..Field::new(text::CDISCOUNT_CLIENT_ID, "client_id") }.value(&f.cdiscount.client_id).required().render())
                (Field { id: Some("cdiscount-secret".into()), ..Field::new(text::CDISCOUNT_SECRET, "client_secret") }.kind("password").required().render())
                (Field { id: Some("cdiscount-seller".into()), ..Field::new(text::CDISCOUNT_SELLER, "seller_id") }.value(&f.cdiscount.seller_id).required().error(f.cdiscount_error.as_deref()).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

#[derive(Default, Deserialize)]
pub(super) struct MiraklForm {
    #[serde(default)]
    pub(super) url: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) key: String,
    #[serde(default)]
    pub(super) shop_id: String,
}

pub(super) fn mirakl_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::MIRAKL_TITLE,
        html! {
            p.muted { (text::MIRAKL_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CONNECT_MIRAKL)) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("mirakl-name".into()), ..Field::new(text::MIRAKL_NAME, "name") }.value(&f.mirakl.name).required().render())
                (Field { id: Some("mirakl-url".into()), ..Field::new(text::MIRAKL_URL, "url") }.kind("url").value(&f.mirakl.url).required().hint(text::SITE_URL_HINT).error(f.mirakl_url_error.as_deref()).render())
                (Field { id: Some("mirakl-key".into()), ..Field::new(text::MIRAKL_KEY, "key") }.kind("password").required().error(f.mirakl_key_error.as_deref()).render())
                (Field { id: Some("mirakl-shop".into()), ..Field::new(text::MIRAKL_SHOP, "shop_id") }.value(&f.mirakl.shop_id).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

pub(super) fn manual_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::MANUAL_TITLE,
        html! {
            p.muted { (text::MANUAL_HOW) }
            form.stack method="post" action=(f.flow.action(paths::CREATE_MANUAL)) enctype="multipart/form-data" {
                (csrf_input(&staff.csrf))
                (Field::new(text::MANUAL_NAME, "name").value(&f.manual_name).required().error(f.manual_error.as_deref()).render())
                (import_errors(&f.manual_import_errors))
                div.field {
                    label for="f-file" { (text::CSV_FILE) }
                    input #f-file type="file" name="file" accept=".csv,text/csv";
                }
                div.actions {
                    button.btn.primary type="submit" { (text::CREATE) }
                    a href=(paths::CSV_TEMPLATE) download { (text::TEMPLATE) }
                }
            }
        },
    )
}

pub(super) fn import_errors(errors: &[LineError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.alert.danger role="alert" {
                p { strong { (text::IMPORT_REFUSED) } }
                ul.line-errors { @for e in errors { li { "Ligne " (e.line) " : " (e.reason) } } }
                p { (text::CHOOSE_AGAIN) }
            }
        }
    }
}

#[derive(Default, Deserialize)]
pub(super) struct ShopifyForm {
    #[serde(default)]
    pub(super) shop: String,
    #[serde(default)]
    pub(super) token: String,
    #[serde(default)]
    pub(super) webhook_secret: String,
}

#[derive(Default)]
pub(super) struct ConnectErrors {
    pub(super) shop: Option<String>,
    pub(super) token: Option<String>,
}

pub(super) fn shopify_form(
    staff: &Staff,
    form: &ShopifyForm,
    errors: &ConnectErrors,
    oauth: bool,
    flow: Flow,
) -> Markup {
    let domain = |id: &str| {
        let mut field = Field::new(text::SHOP_DOMAIN, "shop")
            .value(&form.shop)
            .required()
            .hint(text::SHOP_DOMAIN_HINT)
            .error(errors.shop.as_deref());
        field.id = Some(id.to_string());
        field.render()
    };
    card(
        text::SHOPIFY_TITLE,
        html! {
            @if oauth {
                p.muted { (text::OAUTH_HOW) }
                form.stack method="post" action=(flow.action(paths::SHOPIFY_AUTHORIZE)) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("oauth-shop"))
                    div.actions { button.btn.primary type="submit" { (text::AUTHORIZE) } }
                }
            }
            details open[!oauth] {
                summary { (text::WITH_TOKEN) }
                p.muted { (text::SHOPIFY_HOW) }
                form.stack method="post" action=(flow.action(paths::CONNECT_SHOPIFY)) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("token-shop"))
                    (Field::new(text::TOKEN, "token").kind("password").required().error(errors.token.as_deref()).render())
                    (Field::new(text::APP_SECRET, "webhook_secret").kind("password").hint(text::APP_SECRET_HINT).render())
                    div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
                }
            }
            details {
                summary { (text::WITH_CLIENT) }
                p.muted { (text::CLIENT_HOW) }
                form.stack method="post" action=(flow.action(paths::SHOPIFY_CLIENT)) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("client-shop"))
                    (Field::new(text::CLIENT_ID, "client_id").required().render())
                    (Field::new(text::CLIENT_SECRET, "client_secret").kind("password").required().render())
                    div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
                }
            }
        },
    )
}
