//! Pages of the stores feature: Intégrations (connect, settings, resync, disconnect),
//! Produits (catalogue with stock per location), Commandes (recent orders, tracking).

mod catalogue;
mod connect;
mod consent;
mod forms;
mod integrations;
mod manual;
mod mappings;

pub use integrations::wizard_connect_forms;

use actix_web::web;

use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::repo;
use crate::web::{AppState, paths};
use catalogue::{orders, products};
use connect::{
    connect_prestashop, connect_shopify, connect_woocommerce, shopify_authorize, shopify_callback,
    shopify_client,
};
use integrations::{progress, remove, resync, save_settings, update_credentials};
use manual::{create_manual, csv_template, export_csv, import_csv, orders_template, save_product};

mod text {
    pub const PRODUCTS: &str = "Produits";
    pub const ORDERS: &str = "Commandes";
    pub const INTEGRATIONS: &str = "Intégrations";
    pub const NO_STORE: &str = "Aucune boutique connectée";
    pub const PRODUCTS_EMPTY: &str = "Vos produits, leurs variantes et le stock par emplacement apparaîtront ici dès qu'une boutique sera connectée.";
    pub const ORDERS_EMPTY: &str = "Les commandes récentes, leur statut et leur suivi apparaîtront ici dès qu'une boutique sera connectée.";
    pub const NO_MATCH: &str = "Aucun résultat pour cette recherche.";
    pub const CONNECT: &str = "Connecter une boutique";
    pub const LEAD: &str = "Comptoir garde une copie locale de votre catalogue, de votre stock par emplacement et de vos commandes récentes pour répondre à vos clients.";
    pub const SEARCH: &str = "Rechercher";
    pub const SEARCH_PRODUCTS: &str = "Nom, référence (SKU), type…";
    pub const SEARCH_ORDERS: &str = "N° de commande, client, e-mail, n° de suivi…";
    pub const CONNECTED: &str = "Connecté";
    pub const ERROR: &str = "Erreur";
    pub const RECONNECT: &str = "Reconnexion nécessaire";
    pub const NEVER: &str = "jamais";
    pub const RESYNC: &str = "Resynchroniser maintenant";
    pub const DISCONNECT: &str = "Déconnecter";
    pub const DISCONNECT_CONFIRM: &str = "Déconnecter cette boutique ? Son catalogue local sera supprimé ; les conversations sont conservées.";
    pub const SAVE: &str = "Enregistrer";
    pub const FREQUENCY: &str = "Fréquence de synchronisation";
    pub const RESERVATION: &str = "Durée de réservation (heures)";
    pub const LOCATIONS: &str = "Emplacements comptés comme « en boutique »";
    pub const PLACES: &str = "Boutiques ouvertes au public";
    pub const PLACES_HINT: &str = "L'assistant les cite quand un client demande « vous l'avez dans quelle boutique ? », la plus proche d'abord s'il donne son code postal ou sa ville.";
    pub const PLACE_HOURS: &str = "Horaires affichés aux clients";
    pub const SAVED: &str = "Réglages enregistrés.";
    pub const SYNC_STARTED: &str = "Synchronisation lancée.";
    pub const REMOVED: &str = "Boutique déconnectée et catalogue local supprimé.";
    pub const CONNECTED_OK: &str = "Boutique connectée : la première synchronisation est en cours.";
    pub const SHOPIFY_TITLE: &str = "Connecter Shopify";
    pub const SHOPIFY_HOW: &str = "Dans Shopify : Paramètres › Applications › Développer des applications › créez une application avec les accès en lecture aux produits, stocks, commandes, clients et emplacements, puis copiez le jeton d'accès Admin API (shpat_…).";
    pub const SHOP_DOMAIN: &str = "Domaine de la boutique";
    pub const SHOP_DOMAIN_HINT: &str = "Par exemple elegance-paris.myshopify.com";
    pub const TOKEN: &str = "Jeton d'accès Admin API";
    pub const CONNECT_BUTTON: &str = "Connecter";
    pub const OAUTH_HOW: &str =
        "Saisissez le domaine de votre boutique, puis acceptez l'accès en lecture dans Shopify.";
    pub const AUTHORIZE: &str = "Autoriser";
    pub const WITH_TOKEN: &str = "Avec un jeton d'accès Admin API";
    pub const WITH_CLIENT: &str =
        "Avec une application créée pour votre boutique (identifiant et secret client)";
    pub const CLIENT_HOW: &str = "Dans le Dev Dashboard de Shopify, créez une application avec les accès en lecture aux produits, stocks, commandes, clients et emplacements, installez-la sur votre boutique, puis copiez son identifiant client et son secret client.";
    pub const CLIENT_ID: &str = "Identifiant client";
    pub const CLIENT_SECRET: &str = "Secret client";
    pub const APP_SECRET: &str = "Clé secrète de l'application (facultatif)";
    pub const APP_SECRET_HINT: &str = "Pour recevoir les changements en quelques secondes par webhooks (nécessite une adresse publique) : la « clé secrète de l'API » de votre application Shopify.";
    pub const WEBHOOKS_ON: &str = "Mises à jour instantanées : actives — les changements arrivent en quelques secondes ; synchronisation de sécurité périodique.";
    pub const WEBHOOKS_NEED_SECRET: &str = "Mises à jour instantanées : inactives — ajoutez la clé secrète de l'application pour les activer.";
    pub const WOO_WEBHOOKS: &str = "Webhooks : dans WooCommerce › Réglages › Avancé › Webhooks, créez-en un par sujet (produit, commande, client) avec cette URL de livraison et ce secret :";
    pub const CONNECT_TITLE: &str = "Connecter une boutique";
    pub const WOO_TITLE: &str = "Connecter WooCommerce";
    pub const WOO_HOW: &str = "Dans WordPress : WooCommerce › Réglages › Avancé › API REST › Ajouter une clé, avec l'accès « Lecture ». Copiez la clé client (ck_…) et le secret client (cs_…).";
    pub const SITE_URL: &str = "Adresse du site";
    pub const SITE_URL_HINT: &str = "Par exemple https://boutique.example.com";
    pub const WOO_KEY: &str = "Clé client";
    pub const WOO_SECRET: &str = "Secret client";
    pub const MANUAL_TITLE: &str = "Boutique manuelle";
    pub const MANUAL_HOW: &str = "Pas de boutique en ligne, ou un autre système ? Importez vos produits, variantes et stocks depuis un fichier CSV (UTF-8, séparateur ; ou ,). Un fichier avec des erreurs est refusé en entier, avec la liste des lignes à corriger.";
    pub const MANUAL_NAME: &str = "Nom de la boutique";
    pub const CSV_FILE: &str = "Fichier CSV du catalogue";
    pub const TEMPLATE: &str = "Télécharger le modèle CSV";
    pub const CREATE: &str = "Créer la boutique";
    pub const IMPORT: &str = "Importer un CSV (remplace le catalogue)";
    pub const EXPORT: &str = "Exporter le catalogue (CSV)";
    pub const IMPORTED: &str =
        "Import terminé : les chiffres de la boutique ci-dessous sont à jour.";
    pub const IMPORTING: &str = "Fichier vérifié, aucune ligne en erreur. L'import se poursuit : suivez-le ci-dessous, vous pouvez quitter la page.";
    pub const ADD_PRODUCT: &str = "Ajouter ou modifier un article";
    pub const ADD_PRODUCT_HOW: &str =
        "Une variante par envoi. Même identifiant et même variante : l'article est mis à jour.";
    pub const IMPORT_ORDERS: &str = "Importer des commandes (CSV : ajoutées ou mises à jour)";
    pub const ORDERS_TEMPLATE: &str = "Modèle CSV des commandes";
    pub const CONNECTED_NO_WEBHOOKS: &str = "Boutique connectée, mais Shopify a refusé l'abonnement aux webhooks : la synchronisation périodique prend le relais. Vérifiez les autorisations de l'application.";
    pub const CHOOSE_AGAIN: &str = "Corrigez ces lignes dans votre fichier, puis choisissez-le à nouveau (le navigateur ne le garde pas).";
    pub const IMPORT_REFUSED: &str =
        "Le fichier n'a pas été importé (rien n'a changé). Corrigez ces lignes puis réessayez :";
    pub const BAD_SITE: &str =
        "Saisissez l'adresse complète du site, par exemple https://boutique.example.com.";
    pub const AMAZON_TITLE: &str = "Connecter Amazon (Seller Central)";
    pub const AMAZON_HOW: &str = "Les commandes passées sur Amazon rejoignent celles de la boutique : l'assistant répond « où est ma commande ? » aux acheteurs Amazon aussi. Dans Seller Central : Applications et services › Développer des applications, créez une application privée avec le rôle « Gestion des commandes », autorisez-la, puis copiez ici son identifiant client, son secret et le jeton d'actualisation (refresh token).";
    pub const AMAZON_NAME: &str = "Nom affiché dans Comptoir";
    pub const AMAZON_CLIENT_ID: &str =
        "Identifiant client de l'application (amzn1.application-oa2-client…)";
    pub const AMAZON_CLIENT_SECRET: &str = "Secret client de l'application";
    pub const AMAZON_REFRESH: &str = "Jeton d'actualisation (Atzr|…)";
    pub const AMAZON_REFRESH_HINT: &str = "Donné par Seller Central quand vous autorisez l'application ; il n'est plus affiché ensuite.";
    pub const AMAZON_MARKETS: &str = "Places de marché dont lire les commandes";
    pub const EBAY_TITLE: &str = "Connecter eBay";
    pub const EBAY_HOW: &str = "Les commandes eBay rejoignent celles de la boutique, avec leur suivi. Sur developer.ebay.com, créez une application (clés de production) et copiez ici l'App ID, le Cert ID et le RuName : eBay vous demandera ensuite d'autoriser la lecture de vos commandes.";
    pub const EBAY_CLIENT_ID: &str = "App ID (identifiant client)";
    pub const EBAY_CLIENT_SECRET: &str = "Cert ID (secret client)";
    pub const EBAY_REFRESH: &str = "Jeton d'actualisation (v^1.1#…)";
    pub const HAVE_REFRESH: &str = "J'ai déjà un jeton d'actualisation";
    pub const AUTHORIZE_ETSY: &str = "Autoriser sur Etsy";
    pub const AUTHORIZE_EBAY: &str = "Autoriser sur eBay";
    pub const ETSY_RETURN_HINT: &str =
        "Dans l'application Etsy, déclarez cette adresse de retour (callback URL) :";
    pub const EBAY_RUNAME: &str = "Nom d'URL de redirection (RuName)";
    pub const EBAY_RUNAME_HINT: &str = "Sur developer.ebay.com : User Tokens › Get a Token from eBay via Your Application ; l'URL d'acceptation (accept URL) de ce RuName doit être :";
    pub const ETSY_TITLE: &str = "Connecter Etsy";
    pub const ETSY_HOW: &str = "Les commandes Etsy rejoignent celles de la boutique, avec leur suivi. Sur etsy.com/developers, créez une application et copiez ici sa clé (keystring) et le numéro de votre boutique : Etsy vous demandera ensuite d'autoriser la lecture de vos commandes.";
    pub const ETSY_KEY: &str = "Clé de l'application (keystring)";
    pub const ETSY_REFRESH: &str = "Jeton d'actualisation";
    pub const ETSY_SHOP: &str = "Numéro de la boutique Etsy";
    pub const CDISCOUNT_TITLE: &str = "Connecter Cdiscount";
    pub const CDISCOUNT_HOW: &str = "Les commandes Cdiscount rejoignent celles de la boutique, avec leur suivi. Dans votre espace vendeur Cdiscount (Octopia) : Mon compte › API, créez un identifiant d'API avec l'accès en lecture aux commandes, puis copiez ici l'identifiant client, son secret et votre numéro de vendeur.";
    pub const CDISCOUNT_CLIENT_ID: &str = "Identifiant client de l'API";
    pub const CDISCOUNT_SECRET: &str = "Secret client de l'API";
    pub const CDISCOUNT_SELLER: &str = "Numéro de vendeur (SellerId)";
    pub const MIRAKL_TITLE: &str = "Connecter une marketplace Mirakl";
    pub const MIRAKL_HOW: &str = "Beaucoup d'enseignes (Fnac, Darty, Leroy Merlin, Carrefour, Decathlon…) font tourner leur marketplace sur Mirakl. Dans votre espace vendeur de cette marketplace : Mon compte › Clé d'API, copiez la clé ; l'adresse est celle de l'espace vendeur.";
    pub const MIRAKL_URL: &str = "Adresse de l'espace vendeur";
    pub const MIRAKL_NAME: &str = "Nom de la marketplace (Fnac, Darty…)";
    pub const MIRAKL_KEY: &str = "Clé d'API de la boutique";
    pub const MIRAKL_SHOP: &str = "Identifiant de la boutique (si la clé en ouvre plusieurs)";
    pub const PRESTA_TITLE: &str = "Connecter PrestaShop";
    pub const PRESTA_HOW: &str = "Dans PrestaShop : Paramètres avancés › Webservice › activez le webservice, puis ajoutez une clé avec l'accès « Voir » (GET) sur products, combinations, stock_availables, product_options, product_option_values, customers, orders, order_carriers et carriers.";
    pub const PRESTA_KEY: &str = "Clé du webservice";
    pub const WEBHOOKS_OFF: &str = "Mises à jour instantanées : inactives (l'adresse publique de Comptoir n'est pas configurée) — synchronisation périodique";
    pub const SINCE: &str = "Connecté depuis";
    pub const LAST_SYNC: &str = "Dernière synchronisation";
    pub const ORDER_COLS: [&str; 7] = [
        "Commande", "Date", "Client", "Articles", "Total", "Statut", "Suivi",
    ];
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier les intégrations.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    mappings::configure(cfg);
    consent::configure(cfg);
    cfg.route(paths::PRODUCTS, web::get().to(products))
        .route(paths::ORDERS, web::get().to(orders))
        .route(
            paths::INTEGRATIONS,
            web::get().to(integrations::integrations),
        )
        .route(paths::CONNECT_SHOPIFY, web::post().to(connect_shopify))
        .route(paths::SHOPIFY_AUTHORIZE, web::post().to(shopify_authorize))
        .route(paths::SHOPIFY_CALLBACK, web::get().to(shopify_callback))
        .route(paths::SHOPIFY_CLIENT, web::post().to(shopify_client))
        .route(
            paths::CONNECT_WOOCOMMERCE,
            web::post().to(connect_woocommerce),
        )
        .route(
            paths::CONNECT_AMAZON,
            web::post().to(connect::connect_amazon),
        )
        .route(paths::CONNECT_EBAY, web::post().to(connect::connect_ebay))
        .route(paths::CONNECT_ETSY, web::post().to(connect::connect_etsy))
        .route(
            paths::CONNECT_CDISCOUNT,
            web::post().to(connect::connect_cdiscount),
        )
        .route(
            paths::CONNECT_MIRAKL,
            web::post().to(connect::connect_mirakl),
        )
        .route(
            paths::CONNECT_PRESTASHOP,
            web::post().to(connect_prestashop),
        )
        .route(paths::CREATE_MANUAL, web::post().to(create_manual))
        .route(paths::CSV_TEMPLATE, web::get().to(csv_template))
        .route(paths::STORE_IMPORT, web::post().to(import_csv))
        .route(paths::STORE_PRODUCT, web::post().to(save_product))
        .route(paths::STORE_IMPORT_ORDERS, web::post().to(import_csv))
        .route(paths::ORDERS_TEMPLATE, web::get().to(orders_template))
        .route(paths::STORE_EXPORT, web::get().to(export_csv))
        .route(paths::STORE_SETTINGS, web::post().to(save_settings))
        .route(paths::STORE_SYNC, web::post().to(resync))
        .route(paths::STORE_PROGRESS, web::get().to(progress))
        .route(paths::STORE_REMOVE, web::post().to(remove))
        .route(paths::STORE_CREDENTIALS, web::post().to(update_credentials));
}

/// Asks the poller to sync a store now: it is made due and the poller woken, so the
/// sync runs as scheduled ones do (one at a time, leased, retried).
pub(super) async fn request_sync(state: &AppState, id: StoreId) -> Result<(), AppError> {
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::sync_soon(tx, id, now))
    })
    .await?;
    state.sync_wanted.notify_one();
    Ok(())
}

pub(super) async fn shop_timezone(state: &AppState) -> Result<jiff::tz::TimeZone, AppError> {
    db::call(&state.db, |conn| {
        Ok(crate::accounts::repo::shop_timezone(conn))
    })
    .await
}
