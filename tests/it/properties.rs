//! Property tests of what reads outside input: text normalisation, CSV imports and
//! exports, webhook signatures, configuration values. Whatever comes in, no panic, and
//! bad input gets its error; what the export writes, the import reads back the same.

use comptoir::channels::signatures::{svix_sign, svix_verify, twilio_sign, twilio_verify};
use comptoir::stores::manual::csv::{ExportLine, export, parse_catalogue};
use comptoir::stores::model::Record;
use proptest::prelude::*;

const SVIX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Names a shop might type: letters with accents, digits, punctuation, spreadsheet
/// operators at the start, quotes and separators.
fn name() -> impl Strategy<Value = String> {
    "[=+@-]?[A-Za-zÀ-ÿ0-9 '\"«»;,.()&/-]{0,40}[A-Za-zÀ-ÿ0-9]"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn folding_any_text_is_stable(text in any::<String>()) {
        let folded = comptoir::engine::text::fold(&text);
        prop_assert_eq!(comptoir::engine::text::fold(&folded), folded.clone());
        let _ = comptoir::engine::text::words(&text);
    }

    #[test]
    fn any_bytes_as_a_catalogue_give_records_or_line_errors(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        match parse_catalogue(&bytes) {
            Ok(records) => prop_assert!(!records.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(!e.reason.is_empty());
                    prop_assert!(!e.reason.contains("CSV error"), "{}", e.reason);
                }
            }
        }
    }

    #[test]
    fn lines_of_a_real_header_give_records_or_line_errors(
        rows in proptest::collection::vec((name(), "[0-9a-z,. €-]{0,8}", "-?[0-9]{0,4}"), 1..8)
    ) {
        let mut file = String::from("produit;prix;stock:Boutique\n");
        for (product, price, stock) in &rows {
            file.push_str(&format!("{product};{price};{stock}\n"));
        }
        if let Err(errors) = parse_catalogue(file.as_bytes()) {
            prop_assert!(errors.iter().all(|e| e.line >= 1 && !e.reason.is_empty()));
        }
    }

    #[test]
    fn an_export_imports_back_as_it_was(
        items in proptest::collection::vec((name(), "[A-Z0-9-]{0,10}", 0i64..100_000, 0i64..50), 1..6)
    ) {
        let lines: Vec<ExportLine> = items
            .iter()
            .enumerate()
            .map(|(i, (title, sku, cents, stock))| ExportLine {
                title: title.trim().to_string(),
                handle: format!("produit-{i}"),
                product_type: String::new(),
                option_names: Vec::new(),
                values: Vec::new(),
                sku: if sku.is_empty() { String::new() } else { format!("{sku}-{i}") },
                barcode: String::new(),
                price_cents: Some(*cents),
                stock: vec![*stock],
            })
            .collect();
        let bytes = export(&["Boutique".to_string()], &lines).unwrap();
        let records = parse_catalogue(&bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let titles: Vec<&str> = records
            .iter()
            .filter_map(|r| match r { Record::Product(p) => Some(p.title.as_str()), _ => None })
            .collect();
        let expected: Vec<&str> = lines.iter().map(|l| l.title.as_str()).collect();
        prop_assert_eq!(titles, expected);
        let skus: Vec<&str> = records
            .iter()
            .filter_map(|r| match r { Record::Variant(v) => Some(v.sku.as_str()), _ => None })
            .collect();
        let expected: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
        prop_assert_eq!(skus, expected);
    }

    #[test]
    fn twilio_signatures_hold_only_for_their_own_request(
        params in proptest::collection::vec(("[A-Za-z]{1,12}", any::<String>()), 0..6),
        forged in any::<String>(),
        other in "[a-z]{1,8}",
    ) {
        let params: Vec<(String, String)> = params;
        let url = "https://comptoir.example.fr/webhooks/twilio";
        let signature = twilio_sign("token", url, &params);
        prop_assert!(twilio_verify("token", url, &params, &signature));
        prop_assert!(!twilio_verify("another-token", url, &params, &signature));
        let elsewhere = format!("{url}/{other}");
        prop_assert!(!twilio_verify("token", &elsewhere, &params, &signature));
        prop_assert!(forged == signature || !twilio_verify("token", url, &params, &forged));
    }

    #[test]
    fn svix_signatures_refuse_any_other_body_or_header(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        tampered in proptest::collection::vec(any::<u8>(), 0..200),
        header in any::<String>(),
    ) {
        let now = 1_764_000_000;
        let signature = svix_sign(SVIX_SECRET, "msg_1", now, &body).unwrap();
        prop_assert!(svix_verify(SVIX_SECRET, "msg_1", &now.to_string(), &body, &signature, now).is_ok());
        if tampered != body {
            prop_assert!(svix_verify(SVIX_SECRET, "msg_1", &now.to_string(), &tampered, &signature, now).is_err());
        }
        prop_assert!(svix_verify(SVIX_SECRET, "msg_1", &now.to_string(), &body, &header, now).is_err() || header.contains(&signature));
    }

    #[test]
    fn any_config_value_loads_or_says_which_key(value in any::<String>(), key in prop::sample::select(vec![
        "COMPTOIR_BIND", "COMPTOIR_PUBLIC_URL", "COMPTOIR_LOG_LEVEL", "COMPTOIR_SECURITY__SESSION_DAYS",
        "COMPTOIR_SECURITY__TRUSTED_PROXIES", "COMPTOIR_SECURITY__BEHIND_PROXY",
        "COMPTOIR_CHANNELS__SEND_CONCURRENCY", "COMPTOIR_SYNC__POLL_SECONDS",
    ])) {
        let env = vec![(key.to_string(), value)];
        match comptoir::config::load(None, env, &comptoir::config::Overrides::default()) {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn any_config_file_loads_or_explains(text in "[a-z_\\[\\]=\" 0-9.\n]{0,120}") {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("comptoir.toml");
        std::fs::write(&path, &text).unwrap();
        if let Err(e) = comptoir::config::load(Some(&path), Vec::new(), &comptoir::config::Overrides::default()) {
            prop_assert!(e.to_string().contains("comptoir.toml") || e.to_string().contains("config key"), "{e}");
        }
    }
}
