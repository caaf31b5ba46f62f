//! Route paths, shared by the router and every link so they cannot drift apart.

pub const DASHBOARD: &str = "/";
/// The setup wizard: `/onboarding` resumes where the shop left it.
pub const ONBOARDING: &str = "/onboarding";
pub const ONBOARDING_STEP: &str = "/onboarding/{step}";
pub const ONBOARDING_SKIP: &str = "/onboarding/{step}/skip";
/// The first sync's live counts (an htmx fragment).
pub const ONBOARDING_SYNC_STATUS: &str = "/onboarding/synchronisation/etat";
pub const ONBOARDING_TEST_MESSAGE: &str = "/onboarding/test/message";
pub const ONBOARDING_FINISH: &str = "/onboarding/termine/finish";
pub const INBOX: &str = "/inbox";
pub const CONVERSATION: &str = "/inbox/{id}";
pub const CONVERSATION_REPLY: &str = "/inbox/{id}/reply";
pub const CONVERSATION_HAND_BACK: &str = "/inbox/{id}/hand-back";
pub const CONVERSATION_CLOSE: &str = "/inbox/{id}/close";
/// The live parts of a conversation's page (status and thread), fetched on news.
pub const CONVERSATION_LIVE: &str = "/inbox/{id}/live";
pub const CONVERSATION_REOPEN: &str = "/inbox/{id}/reopen";
pub const CONVERSATION_NOTE: &str = "/inbox/{id}/note";
pub const CONVERSATION_ASSIGN: &str = "/inbox/{id}/assign";
pub const CONVERSATION_PRIORITY: &str = "/inbox/{id}/priority";
pub const CONVERSATION_BLOCK: &str = "/inbox/{id}/block";
pub const CONVERSATION_RESERVE: &str = "/inbox/{id}/reserve";
/// "Apprendre à l'assistant": a shopper message labelled with the intent it asked.
pub const CONVERSATION_TEACH: &str = "/inbox/{id}/teach";
/// The inbox's live updates (Server-Sent Events).
pub const INBOX_EVENTS: &str = "/inbox/events";
pub const PRODUCTS: &str = "/products";
pub const ORDERS: &str = "/orders";
pub const RESERVATIONS: &str = "/reservations";
pub const RESERVATION_CLOSE: &str = "/reservations/{id}";
pub const ANALYTICS: &str = "/analytics";
pub const ANALYTICS_ASSISTANT: &str = "/analytics/assistant";
pub const ANALYTICS_TEAM: &str = "/analytics/team";
pub const ANALYTICS_PRODUCTS: &str = "/analytics/products";
pub const ANALYTICS_SALES: &str = "/analytics/sales";
pub const ANALYTICS_SATISFACTION: &str = "/analytics/satisfaction";
pub const ANALYTICS_CONVERSATIONS: &str = "/analytics/conversations";
pub const ANALYTICS_EXPORT: &str = "/analytics/conversations.csv";
pub const ANALYTICS_SETTINGS: &str = "/analytics/settings";
pub const ALERTS: &str = "/alerts";
pub const ALERTS_RULES: &str = "/alerts/rules";
pub const ALERTS_EXPORT: &str = "/alerts/alertes.csv";
/// The shopper's links in alert e-mails.
pub const ALERT_CONFIRM: &str = "/alertes/confirmer/{token}";
pub const ALERT_UNSUBSCRIBE: &str = "/alertes/desinscription/{token}";
pub const APPOINTMENTS: &str = "/appointments";
pub const APPOINTMENT_NEW: &str = "/appointments/new";
pub const APPOINTMENT_MOVE: &str = "/appointments/{id}/move";
pub const APPOINTMENT_CANCEL: &str = "/appointments/{id}/cancel";
pub const SERVICES: &str = "/appointments/services";
pub const SERVICE: &str = "/appointments/services/{id}";
pub const CONVERSATION_ALERT: &str = "/inbox/{id}/alert";
pub const STORE_PLACES: &str = "/settings/integrations/{id}/places";
pub const SETTINGS: &str = "/settings";
pub const INTEGRATIONS: &str = "/settings/integrations";
pub const CONNECT_SHOPIFY: &str = "/settings/integrations/shopify";
pub const SHOPIFY_AUTHORIZE: &str = "/settings/integrations/shopify/authorize";
pub const SHOPIFY_CALLBACK: &str = "/settings/integrations/shopify/callback";
pub const SHOPIFY_CLIENT: &str = "/settings/integrations/shopify/client";
pub const CONNECT_WOOCOMMERCE: &str = "/settings/integrations/woocommerce";
pub const CONNECT_PRESTASHOP: &str = "/settings/integrations/prestashop";
pub const CONNECT_AMAZON: &str = "/settings/integrations/amazon";
pub const CONNECT_MIRAKL: &str = "/settings/integrations/mirakl";
pub const CONNECT_EBAY: &str = "/settings/integrations/ebay";
pub const CONNECT_ETSY: &str = "/settings/integrations/etsy";
pub const ETSY_CALLBACK: &str = "/settings/integrations/etsy/callback";
pub const EBAY_CALLBACK: &str = "/settings/integrations/ebay/callback";
pub const CONNECT_CDISCOUNT: &str = "/settings/integrations/cdiscount";
/// Correspondances: marketplace SKUs mapped to the catalogue's.
pub const MAPPINGS: &str = "/settings/mappings";
pub const MAPPINGS_DELETE: &str = "/settings/mappings/delete";
pub const MAPPINGS_IMPORT: &str = "/settings/mappings/import";
pub const MAPPINGS_TEMPLATE: &str = "/settings/mappings/modele-correspondances.csv";
pub const CREATE_MANUAL: &str = "/settings/integrations/manual";
pub const CSV_TEMPLATE: &str = "/settings/integrations/manual/modele.csv";
pub const STORE_IMPORT: &str = "/settings/integrations/{id}/import";
pub const STORE_IMPORT_ORDERS: &str = "/settings/integrations/{id}/import-orders";
pub const ORDERS_TEMPLATE: &str = "/settings/integrations/manual/modele-commandes.csv";
pub const STORE_PRODUCT: &str = "/settings/integrations/{id}/product";
pub const STORE_EXPORT: &str = "/settings/integrations/{id}/catalogue.csv";
pub const STORE_SETTINGS: &str = "/settings/integrations/{id}";
pub const STORE_SYNC: &str = "/settings/integrations/{id}/sync";
pub const STORE_PROGRESS: &str = "/settings/integrations/{id}/progress";
pub const STORE_REMOVE: &str = "/settings/integrations/{id}/remove";
pub const STORE_CREDENTIALS: &str = "/settings/integrations/{id}/credentials";
pub const STORE_REAUTHORIZE: &str = "/settings/integrations/{id}/reauthorize";
pub const SETTINGS_PROFILE: &str = "/settings/profile";
pub const SETTINGS_ASSISTANT: &str = "/settings/assistant";
/// Removes an example the shop taught its assistant.
pub const SETTINGS_EXAMPLE_DELETE: &str = "/settings/assistant/examples/{id}/delete";
pub const SETTINGS_MESSAGES: &str = "/settings/messages";
pub const SETTINGS_API: &str = "/settings/api";
pub const SETTINGS_API_REVOKE: &str = "/settings/api/{id}/revoke";
pub const SETTINGS_API_DOCS: &str = "/settings/api/docs";
pub const SETTINGS_WEBHOOKS: &str = "/settings/webhooks";
pub const INVITATIONS: &str = "/settings/invitations";
pub const INVITATION_CHANGE: &str = "/settings/invitations/{id}";
pub const INVITATION_ACCEPT: &str = "/invitation/{token}";
pub const SETTINGS_WEBHOOK: &str = "/settings/webhooks/{id}";
pub const SETTINGS_WEBHOOK_RESEND: &str = "/settings/webhooks/deliveries/{id}/resend";
pub const SETTINGS_INBOX: &str = "/settings/inbox";
pub const AUTOMATIONS: &str = "/settings/automations";
/// One rule's form; `new` for a new one.
pub const AUTOMATION: &str = "/settings/automations/{id}";
pub const AUTOMATION_CHANGE: &str = "/settings/automations/{id}/change";
/// Who receives a department's conversations in turn.
pub const DEPARTMENT_MEMBERS: &str = "/settings/inbox/departments/{id}/members";
/// A teammate marks themself away or available for the rules' assignments.
pub const AVAILABILITY: &str = "/inbox/availability";
pub const SAVED_REPLY: &str = "/settings/inbox/replies/{id}";
pub const DEPARTMENT: &str = "/settings/inbox/departments/{id}";
pub const CHANNELS: &str = "/settings/channels";
pub const CHANNEL_SAVE: &str = "/settings/channels/{provider}";
pub const CHANNEL_TEST: &str = "/settings/channels/{provider}/test";
pub const SETTINGS_ACCOUNT: &str = "/settings/account";
pub const SETTINGS_PASSWORD: &str = "/settings/account/password";
pub const SETTINGS_SESSIONS_REVOKE: &str = "/settings/account/sessions/revoke";
pub const MEMBERS: &str = "/settings/members";
pub const MEMBER_UPDATE: &str = "/settings/members/{id}";

pub const SETUP: &str = "/setup";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const LOGIN_LINK: &str = "/login/link/{token}";
pub const HEALTHZ: &str = "/healthz";
pub const ASSETS: &str = "/assets";

/// Fills the `{…}` segment of a route with a value.
pub fn with_id(route: &str, id: impl std::fmt::Display) -> String {
    match (route.find('{'), route.find('}')) {
        (Some(start), Some(end)) => format!("{}{}{}", &route[..start], id, &route[end + 1..]),
        _ => route.to_string(),
    }
}

/// Paths reachable without an account (first run, login, assets, health).
pub fn is_public(path: &str) -> bool {
    path == SETUP
        || path == LOGIN
        || path == HEALTHZ
        || path.starts_with("/login/link/")
        || path.starts_with("/assets/")
}
