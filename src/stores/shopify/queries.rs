//! GraphQL documents sent to the Shopify Admin API. A test validates each one against
//! the schema of the pinned version and checks its estimated cost stays under 1,000.

pub const LOCATIONS: &str = r#"query ComptoirLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    nodes { id name isActive address { address1 zip city countryCode } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

pub const PRODUCTS: &str = r#"query ComptoirProducts($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id handle title productType vendor tags status updatedAt options { name } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

pub const VARIANTS: &str = r#"query ComptoirVariants($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes {
      id title sku barcode price position
      selectedOptions { name value }
      product { id }
      inventoryItem { id }
    }
    pageInfo { hasNextPage endCursor }
  }
}"#;

pub const STOCK: &str = r#"query ComptoirStock($location: ID!, $first: Int!, $after: String, $query: String) {
  location(id: $location) {
    inventoryLevels(first: $first, after: $after, query: $query) {
      nodes { updatedAt item { id } quantities(names: ["available"]) { name quantity } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"#;

pub const CUSTOMERS: &str = r#"query ComptoirCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query) {
    nodes {
      id firstName lastName updatedAt
      defaultEmailAddress { emailAddress }
      defaultPhoneNumber { phoneNumber }
    }
    pageInfo { hasNextPage endCursor }
  }
}"#;

pub const ORDERS: &str = r#"query ComptoirOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query) {
    nodes {
      id name email phone createdAt updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus currencyCode
      totalPriceSet { shopMoney { amount } }
      customer { id }
      lineItems(first: 10) {
        nodes {
          title variantTitle sku quantity
          variant { id }
          product { id }
          originalUnitPriceSet { shopMoney { amount } }
        }
      }
      fulfillments(first: 3) { displayStatus trackingInfo(first: 2) { company number url } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// Page sizes, chosen so each query's requested cost stays well under Shopify's 1,000.
pub const PAGE_LOCATIONS: i64 = 50;
pub const PAGE_PRODUCTS: i64 = 100;
pub const PAGE_VARIANTS: i64 = 100;
pub const PAGE_STOCK: i64 = 100;
pub const PAGE_CUSTOMERS: i64 = 100;
pub const PAGE_ORDERS: i64 = 10;

/// Every document with the page size it is sent with (for the schema test).
pub const ALL: [(&str, &str, i64); 6] = [
    ("ComptoirLocations", LOCATIONS, PAGE_LOCATIONS),
    ("ComptoirProducts", PRODUCTS, PAGE_PRODUCTS),
    ("ComptoirVariants", VARIANTS, PAGE_VARIANTS),
    ("ComptoirStock", STOCK, PAGE_STOCK),
    ("ComptoirCustomers", CUSTOMERS, PAGE_CUSTOMERS),
    ("ComptoirOrders", ORDERS, PAGE_ORDERS),
];

/// Subscribes the shop's events to our webhook address.
pub const SUBSCRIBE: &str = r#"mutation ComptoirSubscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id }
    userErrors { field message }
  }
}"#;

/// The topics that keep the local copy fresh, and the uninstall notice.
pub const TOPICS: [&str; 9] = [
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "INVENTORY_LEVELS_UPDATE",
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "APP_UNINSTALLED",
];
