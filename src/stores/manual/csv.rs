//! The manual store's catalogue as CSV: one line per variant. Pure: text in, records or
//! the complete list of bad lines out. UTF-8 with or without BOM, `;` or `,` separated.
//!
//! Columns (header names are case- and accent-insensitive):
//! - `produit` (required): the product's name.
//! - `identifiant`: the product's handle; default: made from the name.
//! - `type`: category, e.g. Robes.
//! - `options`: option names separated by `/`, e.g. `Couleur / Taille`.
//! - `variante`: this line's values in the same order, e.g. `Beige / M`; empty for a
//!   product sold in one version.
//! - `sku`, `code_barres`.
//! - `prix` (required): `89,00` or `89.00`.
//! - `stock:<emplacement>` (one or more): quantity at that place, e.g. `stock:Boutique`.

use std::collections::{HashMap, HashSet};

use crate::stores::model::{
    LocationRec, ProductRec, Record, StockRec, VariantRec, format_eur, parse_cents,
};

pub const TEMPLATE: &str = "produit;identifiant;type;options;variante;sku;code_barres;prix;stock:Boutique;stock:Entrepôt\n\
Robe Fleurie Bleue;robe-fleurie-bleue;Robes;Taille;36;EP-001-36;3765100000001;89,00;1;2\n\
Robe Fleurie Bleue;robe-fleurie-bleue;Robes;Taille;38;EP-001-38;3765100000002;89,00;2;3\n\
Foulard Soie Imprimé;foulard-soie-imprime;Accessoires;;;EP-040;;45,00;5;0\n";

/// One refused line: its number in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub reason: String,
}

/// Lower case, accents folded, spaces trimmed: how header names are compared.
fn fold(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            ' ' | '-' => '_',
            other => other,
        })
        .collect()
}

/// `Robe Fleurie Bleue` → `robe-fleurie-bleue`.
pub fn slug(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn split_values(text: &str) -> Vec<String> {
    text.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The longest value a cell may hold: a product name or a tracking link fits easily.
const MAX_CELL: usize = 500;
/// Bad lines listed at most: past that, the file needs fixing as a whole.
const MAX_ERRORS: usize = 100;

use crate::web::spreadsheet::{FORMULA_STARTS, safe as spreadsheet_safe};

/// A cell as imported: trimmed, with the export's formula guard taken off.
fn cell(raw: &str) -> String {
    let raw = raw.trim();
    match raw.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => {
            rest.to_string()
        }
        _ => raw.to_string(),
    }
}

/// What is wrong with a line's cells: too long, or holding control characters (a NUL,
/// a line break inside a name).
fn cell_problems(row: &csv::StringRecord, headers: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, value) in row.iter().enumerate() {
        let name = headers.get(i).map_or("?", String::as_str);
        if value.chars().count() > MAX_CELL {
            problems.push(format!(
                "la colonne « {name} » dépasse {MAX_CELL} caractères"
            ));
        } else if value.trim().chars().any(char::is_control) {
            problems.push(format!(
                "la colonne « {name} » contient un caractère invisible (retour à la ligne, tabulation ou caractère nul)"
            ));
        }
    }
    problems
}

/// A line the CSV reader could not read, in words.
fn unreadable(e: &csv::Error) -> LineError {
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "{len} colonnes au lieu de {expected_len} : vérifiez les séparateurs et les guillemets"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "texte mal encodé : enregistrez le fichier en « CSV UTF-8 »".to_string()
        }
        _ => "ligne illisible : vérifiez les séparateurs et les guillemets".to_string(),
    };
    LineError { line, reason }
}

/// Keeps the first `MAX_ERRORS` bad lines and says how many more there are.
fn capped(mut errors: Vec<LineError>) -> Vec<LineError> {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - MAX_ERRORS;
        let line = errors[MAX_ERRORS].line;
        errors.truncate(MAX_ERRORS);
        errors.push(LineError {
            line,
            reason: format!("… et {more} autres lignes en erreur"),
        });
    }
    errors
}

/// A CSV reader over UTF-8 text (BOM dropped), separated by `;` or `,`, whichever the
/// header line uses most.
fn open(bytes: &[u8]) -> Result<csv::Reader<&[u8]>, Vec<LineError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![LineError {
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64,
            reason: "le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 »".into(),
        }]
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes()))
}

/// Parses and checks a whole catalogue file. Either every line is good and the records
/// come back, or nothing does and every bad line is listed. For small files (the product
/// form, tests); an import streams with [`read_catalogue`].
pub fn parse_catalogue(bytes: &[u8]) -> Result<Vec<Record>, Vec<LineError>> {
    let mut records = Vec::new();
    read_catalogue(bytes, &mut |r| records.push(r))?;
    Ok(records)
}

/// Checks every line of a catalogue file without keeping its records; how many variants
/// it holds, or every bad line.
pub fn check_catalogue(bytes: &[u8]) -> Result<usize, Vec<LineError>> {
    let mut variants = 0;
    read_catalogue(bytes, &mut |r| {
        if matches!(r, Record::Variant(_)) {
            variants += 1;
        }
    })?;
    Ok(variants)
}

/// A short fingerprint of a text, for the duplicate checks: a file of 250,000 lines
/// keeps 8 bytes per key rather than the keys themselves.
fn fingerprint(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// Reads a catalogue file line by line, in memory that does not grow with it (beyond a
/// few bytes per line for the duplicate checks): each good line's records go to `put`
/// as they are read, the locations first. Every bad line is listed in the `Err`; the
/// records already given are then to be dropped.
pub fn read_catalogue(bytes: &[u8], put: &mut dyn FnMut(Record)) -> Result<(), Vec<LineError>> {
    let mut reader = open(bytes)?;
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(fold).collect(),
        Err(e) => return Err(vec![unreadable(&e)]),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut errors = Vec::new();
    let (Some(c_product), Some(c_price)) = (column("produit"), column("prix")) else {
        return Err(vec![LineError {
            line: 1,
            reason: "l'en-tête doit contenir au moins les colonnes « produit », « prix » et une colonne « stock:<emplacement> » (téléchargez le modèle)".into(),
        }]);
    };
    let locations: Vec<(usize, String)> = reader
        .headers()
        .map(|h| {
            h.iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let (key, place) = name.split_once(':')?;
                    (fold(key) == "stock" && !place.trim().is_empty())
                        .then(|| (i, place.trim().to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    if locations.is_empty() {
        return Err(vec![LineError {
            line: 1,
            reason: "ajoutez au moins une colonne de stock, par exemple « stock:Boutique »".into(),
        }]);
    }
    let known = [
        "produit",
        "identifiant",
        "type",
        "options",
        "variante",
        "sku",
        "code_barres",
        "prix",
    ];
    for (i, h) in headers.iter().enumerate() {
        if !known.contains(&h.as_str()) && !locations.iter().any(|(c, _)| *c == i) {
            errors.push(LineError {
                line: 1,
                reason: format!("colonne inconnue « {h} »"),
            });
        }
    }
    let (c_handle, c_type, c_options, c_variant) = (
        column("identifiant"),
        column("type"),
        column("options"),
        column("variante"),
    );
    let (c_sku, c_barcode) = (column("sku"), column("code_barres"));

    for (_, place) in &locations {
        put(Record::Location(LocationRec {
            external_id: slug(place),
            name: place.clone(),
            address: String::new(),
            active: true,
        }));
    }
    let mut any = false;
    // Handle → its name and options; variant keys; SKU → its line.
    let mut products: HashMap<u64, u64> = HashMap::new();
    let mut seen_variants: HashSet<u64> = HashSet::new();
    let mut seen_skus: HashMap<u64, u64> = HashMap::new();
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(unreadable(&e));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| cell(c.and_then(|i| row.get(i)).unwrap_or(""));
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut problems = cell_problems(&row, &headers);
        let title = get(Some(c_product));
        if title.is_empty() {
            problems.push("le nom du produit (colonne « produit ») est vide".to_string());
        }
        let handle = match get(c_handle) {
            h if h.is_empty() => slug(&title),
            h => h,
        };
        let price_text = get(Some(c_price))
            .replace(',', ".")
            .replace(['€', ' ', '\u{a0}'], "");
        let price = parse_cents(&price_text).filter(|c| *c >= 0);
        if price.is_none() {
            problems.push(format!(
                "prix « {} » invalide (exemple : 89,00)",
                get(Some(c_price))
            ));
        }
        let option_names = split_values(&get(c_options));
        let values = split_values(&get(c_variant));
        if option_names.len() > 3 {
            problems
                .push("trois options au plus (par exemple Couleur / Taille / Matière)".to_string());
        }
        if values.len() != option_names.len() {
            problems.push(format!(
                "la variante « {} » doit donner une valeur pour chaque option ({})",
                get(c_variant),
                if option_names.is_empty() {
                    "aucune option".to_string()
                } else {
                    option_names.join(" / ")
                }
            ));
        }
        let product_key = fingerprint(&[&handle]);
        let product_shape = fingerprint(&[&title, &option_names.join("\u{1f}")]);
        match products.get(&product_key) {
            Some(shape) if *shape != product_shape => {
                problems.push(format!("le produit « {handle} » a un autre nom ou d'autres options sur une ligne précédente"));
            }
            _ => {}
        }
        if !seen_variants.insert(fingerprint(&[&handle, &values.join("/")])) {
            problems.push("cette variante apparaît déjà plus haut".to_string());
        }
        let sku = get(c_sku);
        if !sku.is_empty() {
            if let Some(previous) = seen_skus.insert(fingerprint(&[&sku]), line) {
                problems.push(format!("le SKU {sku} est déjà utilisé ligne {previous}"));
            }
        }
        let mut stock = Vec::new();
        for (col, place) in &locations {
            let raw = row.get(*col).unwrap_or("").trim();
            match raw.parse::<i64>() {
                Ok(n) if n >= 0 => stock.push((slug(place), n)),
                _ if raw.is_empty() => stock.push((slug(place), 0)),
                _ => problems.push(format!(
                    "stock « {raw} » invalide pour {place} (un nombre entier, 0 ou plus)"
                )),
            }
        }
        if !problems.is_empty() {
            errors.push(LineError {
                line,
                reason: problems.join(" ; "),
            });
            continue;
        }
        any = true;
        if !errors.is_empty() {
            // The file is refused: only its remaining mistakes matter now.
            products.entry(product_key).or_insert(product_shape);
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = products.entry(product_key) {
            e.insert(product_shape);
            put(Record::Product(ProductRec {
                external_id: handle.clone(),
                handle: handle.clone(),
                title: title.clone(),
                product_type: get(c_type),
                vendor: String::new(),
                tags: String::new(),
                status: "active".into(),
                option_names: option_names.clone(),
                updated_at: String::new(),
            }));
        }
        let variant_id = if values.is_empty() {
            handle.clone()
        } else {
            format!("{handle}/{}", slug(&values.join("-")))
        };
        let mut options: [Option<String>; 3] = [None, None, None];
        for (slot, v) in options.iter_mut().zip(&values) {
            *slot = Some(v.clone());
        }
        put(Record::Variant(VariantRec {
            external_id: variant_id.clone(),
            product_external_id: handle.clone(),
            inventory_item_id: variant_id.clone(),
            title: if values.is_empty() {
                "Default Title".into()
            } else {
                values.join(" / ")
            },
            sku,
            barcode: get(c_barcode),
            price_cents: price,
            options,
            position: line as i64,
        }));
        for (place, available) in stock {
            put(Record::Stock(StockRec {
                inventory_item_id: variant_id.clone(),
                location_external_id: place,
                available,
                updated_at: String::new(),
            }));
        }
    }
    if !any && errors.is_empty() {
        errors.push(LineError {
            line: 2,
            reason: "le fichier ne contient aucun produit".into(),
        });
    }
    if !errors.is_empty() {
        return Err(capped(errors));
    }
    Ok(())
}

/// A product line typed in a form, as a one-line file in the import format, so the
/// form and the CSV import share every rule. `stock` is (location name, quantity text).
pub fn single_line(fields: &[(&str, &str)], stock: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut header: Vec<String> = fields.iter().map(|(k, _)| k.to_string()).collect();
    header.extend(stock.iter().map(|(place, _)| format!("stock:{place}")));
    let mut row: Vec<String> = fields.iter().map(|(_, v)| v.to_string()).collect();
    row.extend(stock.iter().map(|(_, q)| q.clone()));
    writer.write_record(&header).map_err(|e| e.to_string())?;
    writer.write_record(&row).map_err(|e| e.to_string())?;
    writer.into_inner().map_err(|e| e.to_string())
}

/// One exported line: product, handle, type, options, variant values, SKU, barcode,
/// price in cents, and stock per location in the header's order.
pub struct ExportLine {
    pub title: String,
    pub handle: String,
    pub product_type: String,
    pub option_names: Vec<String>,
    pub values: Vec<String>,
    pub sku: String,
    pub barcode: String,
    pub price_cents: Option<i64>,
    pub stock: Vec<i64>,
}

/// Writes the catalogue in the import format (so an export can be edited and imported).
pub fn export(locations: &[String], lines: &[ExportLine]) -> Result<Vec<u8>, String> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut header = vec![
        "produit".to_string(),
        "identifiant".into(),
        "type".into(),
        "options".into(),
        "variante".into(),
        "sku".into(),
        "code_barres".into(),
        "prix".into(),
    ];
    header.extend(locations.iter().map(|l| format!("stock:{l}")));
    writer.write_record(&header).map_err(|e| e.to_string())?;
    for l in lines {
        let price = l
            .price_cents
            .map(|c| format_eur(c).replace("\u{a0}€", ""))
            .unwrap_or_default();
        let mut row: Vec<String> = [
            l.title.clone(),
            l.handle.clone(),
            l.product_type.clone(),
            l.option_names.join(" / "),
            l.values.join(" / "),
            l.sku.clone(),
            l.barcode.clone(),
        ]
        .iter()
        .map(|text| spreadsheet_safe(text))
        .collect();
        row.push(price);
        row.extend(l.stock.iter().map(i64::to_string));
        writer.write_record(&row).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_exported_as_text_and_imported_back_as_written() {
        let line = ExportLine {
            title: "=HYPERLINK(\"https://evil.example\",\"Robe\")".into(),
            handle: "robe".into(),
            product_type: "+Robes".into(),
            option_names: vec!["Taille".into()],
            values: vec!["-38".into()],
            sku: "@R-38".into(),
            barcode: String::new(),
            price_cents: Some(8900),
            stock: vec![-2],
        };
        let bytes = export(&["Boutique".into()], &[line]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for cell in text.lines().nth(1).unwrap().split(';') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@']), "{cell} in {text}");
        }
        // Negative stock is refused on import, so the round trip uses 0.
        let bytes = String::from_utf8(bytes).unwrap().replace(";-2", ";0");
        let records = parse_catalogue(bytes.as_bytes()).unwrap();
        let Some(Record::Product(p)) = records.iter().find(|r| matches!(r, Record::Product(_)))
        else {
            panic!("no product");
        };
        assert_eq!(p.title, "=HYPERLINK(\"https://evil.example\",\"Robe\")");
        assert_eq!(p.product_type, "+Robes");
        let Some(Record::Variant(v)) = records.iter().find(|r| matches!(r, Record::Variant(_)))
        else {
            panic!("no variant");
        };
        assert_eq!((v.sku.as_str(), v.title.as_str()), ("@R-38", "-38"));
        // A cell that only starts with a quote keeps it.
        assert_eq!(cell("'Robe"), "'Robe");
    }

    #[test]
    fn oversized_or_invisible_characters_are_refused_by_line() {
        let long = "R".repeat(MAX_CELL + 1);
        let file = format!("produit;prix;stock:Boutique\nRobe;10;1\n{long};10;1\nJupe\u{0};10;1\n");
        let errors = parse_catalogue(file.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0].reason.contains("dépasse 500 caractères"),
            "{}",
            errors[0].reason
        );
        assert!(
            errors[1].reason.contains("caractère invisible"),
            "{}",
            errors[1].reason
        );
    }

    #[test]
    fn unreadable_lines_are_described_without_the_parser_words() {
        let errors =
            parse_catalogue(b"produit;prix;stock:Boutique\nRobe;10;1\n\"Jupe;10\n").unwrap_err();
        for e in &errors {
            assert!(
                !e.reason.contains("CSV error") && !e.reason.contains("byte"),
                "{}",
                e.reason
            );
        }
        let many: String = std::iter::once("produit;prix;stock:Boutique\n".to_string())
            .chain((0..300).map(|i| format!("Robe {i};abc;1\n")))
            .collect();
        let errors = parse_catalogue(many.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert!(
            errors[MAX_ERRORS].reason.contains("200 autres lignes"),
            "{:?}",
            errors.last()
        );
    }

    fn kinds(records: &[Record]) -> [usize; 4] {
        let count = |k: &str| records.iter().filter(|r| r.kind() == k).count();
        [
            count("location"),
            count("product"),
            count("variant"),
            count("stock"),
        ]
    }

    #[test]
    fn the_template_imports() {
        let records = parse_catalogue(TEMPLATE.as_bytes()).unwrap();
        assert_eq!(kinds(&records), [2, 2, 3, 6]);
        let Record::Variant(v) = &records[3] else {
            panic!("{:?}", records[3])
        };
        assert_eq!(
            (v.title.as_str(), v.price_cents, v.options[0].as_deref()),
            ("36", Some(8900), Some("36"))
        );
    }

    #[test]
    fn bom_commas_and_header_spelling_are_accepted() {
        let file = "\u{feff}Produit,Prix,Stock:Boutique\n\"Sac, cuir\",\"120.5\",3\n";
        let records = parse_catalogue(file.as_bytes()).unwrap();
        assert_eq!(kinds(&records), [1, 1, 1, 1]);
        let Record::Product(p) = &records[1] else {
            panic!()
        };
        assert_eq!(
            (p.title.as_str(), p.handle.as_str()),
            ("Sac, cuir", "sac-cuir")
        );
    }

    #[test]
    fn every_bad_line_is_listed_and_nothing_is_returned() {
        let file = "produit;options;variante;sku;prix;stock:Boutique\n\
            Robe;Taille;38;A1;89,00;2\n\
            ;Taille;40;A2;89,00;1\n\
            Robe;Taille;38;A3;89,00;1\n\
            Jupe;;;A1;douze;-1\n\
            Pull;Taille / Couleur;M;B1;50;1\n";
        let errors = parse_catalogue(file.as_bytes()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(errors[0].reason.contains("nom du produit"));
        assert!(errors[1].reason.contains("déjà plus haut"));
        assert!(
            errors[2].reason.contains("prix « douze »")
                && errors[2].reason.contains("SKU A1 est déjà utilisé ligne 2")
        );
        assert!(errors[2].reason.contains("stock « -1 »"));
        assert!(errors[3].reason.contains("Taille / Couleur"));
    }

    #[test]
    fn header_problems_are_explained() {
        assert!(
            parse_catalogue(b"nom;prix\nx;1\n").unwrap_err()[0]
                .reason
                .contains("« produit »")
        );
        assert!(
            parse_catalogue(b"produit;prix\nx;1\n").unwrap_err()[0]
                .reason
                .contains("stock:Boutique")
        );
        let unknown = parse_catalogue(b"produit;prix;couleur;stock:B\nx;1;bleu;1\n").unwrap_err();
        assert!(unknown[0].reason.contains("colonne inconnue « couleur »"));
        assert!(
            parse_catalogue(b"produit;prix;stock:B\n").unwrap_err()[0]
                .reason
                .contains("aucun produit")
        );
        assert!(
            parse_catalogue(&[0x70, 0xff, 0xfe]).unwrap_err()[0]
                .reason
                .contains("UTF-8")
        );
    }

    #[test]
    fn export_round_trips() {
        let lines = vec![ExportLine {
            title: "Robe; d'été".into(),
            handle: "robe-ete".into(),
            product_type: "Robes".into(),
            option_names: vec!["Taille".into()],
            values: vec!["38".into()],
            sku: "R1".into(),
            barcode: String::new(),
            price_cents: Some(8950),
            stock: vec![2, 0],
        }];
        let bytes = export(&["Boutique".into(), "Entrepôt".into()], &lines).unwrap();
        let records = parse_catalogue(&bytes).unwrap();
        assert_eq!(kinds(&records), [2, 1, 1, 2]);
        let Record::Variant(v) = &records[3] else {
            panic!()
        };
        assert_eq!(v.price_cents, Some(8950));
    }
}

pub const ORDERS_TEMPLATE: &str = "commande;date;email;telephone;paiement;expedition;total;transporteur;numero_suivi;lien_suivi;sku;produit;quantite;prix\n\
#1001;2026-11-20 10:30;alice@example.fr;+33600000001;payée;expédiée;172,90;Colissimo;6A00600000001;https://www.laposte.fr/outils/suivre-vos-envois?code=6A00600000001;EP-001-36;Robe Fleurie Bleue;1;89,00\n\
#1001;2026-11-20 10:30;alice@example.fr;+33600000001;payée;expédiée;172,90;Colissimo;6A00600000001;https://www.laposte.fr/outils/suivre-vos-envois?code=6A00600000001;EP-040;Foulard Soie Imprimé;1;79,00\n\
#1002;2026-11-21 15:00;bruno@example.fr;;en attente;à préparer;45,00;;;;EP-040;Foulard Soie Imprimé;1;45,00\n";

fn payment_status(text: &str) -> Option<&'static str> {
    Some(match fold(text).as_str() {
        "payee" | "paye" | "paid" => "paid",
        "en_attente" | "pending" | "" => "pending",
        "remboursee" | "rembourse" | "refunded" => "refunded",
        "annulee" | "annule" | "voided" | "cancelled" => "voided",
        _ => return None,
    })
}

fn shipping_status(text: &str) -> Option<&'static str> {
    Some(match fold(text).as_str() {
        "expediee" | "expedie" | "fulfilled" | "livree" => "fulfilled",
        "a_preparer" | "unfulfilled" | "" => "unfulfilled",
        "partiellement_expediee" | "partial" => "partial",
        _ => return None,
    })
}

/// `2026-11-20`, `2026-11-20 10:30` or RFC 3339, read in `tz` when it has no offset.
fn order_date(text: &str, tz: &jiff::tz::TimeZone) -> Option<String> {
    let text = text.trim();
    let utc = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(utc(t));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(format, text) {
            return dt.to_zoned(tz.clone()).ok().map(|z| utc(z.timestamp()));
        }
    }
    jiff::civil::Date::strptime("%Y-%m-%d", text)
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map(|z| utc(z.timestamp()))
}

/// Parses and checks an orders file (one line per order line; the order's own fields
/// repeated on each of its lines). All good, or every bad line listed.
pub fn parse_orders(bytes: &[u8], tz: &jiff::tz::TimeZone) -> Result<Vec<Record>, Vec<LineError>> {
    use crate::stores::model::{OrderLineRec, OrderRec};
    let mut reader = open(bytes)?;
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(fold).collect())
        .map_err(|e| vec![unreadable(&e)])?;
    let column = |name: &str| headers.iter().position(|h| h == name);
    let known = [
        "commande",
        "date",
        "email",
        "telephone",
        "paiement",
        "expedition",
        "total",
        "transporteur",
        "numero_suivi",
        "lien_suivi",
        "sku",
        "produit",
        "quantite",
        "prix",
    ];
    let mut errors: Vec<LineError> = headers
        .iter()
        .filter(|h| !known.contains(&h.as_str()))
        .map(|h| LineError {
            line: 1,
            reason: format!("colonne inconnue « {h} »"),
        })
        .collect();
    if column("commande").is_none() || column("date").is_none() || column("produit").is_none() {
        return Err(vec![LineError { line: 1, reason: "l'en-tête doit contenir au moins « commande », « date » et « produit » (téléchargez le modèle)".into() }]);
    }
    let mut orders: Vec<OrderRec> = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(unreadable(&e));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |name: &str| cell(column(name).and_then(|i| row.get(i)).unwrap_or(""));
        let money = |name: &str| {
            let raw = get(name)
                .replace(',', ".")
                .replace(['€', ' ', '\u{a0}'], "");
            if raw.is_empty() {
                Ok(None)
            } else {
                parse_cents(&raw).filter(|c| *c >= 0).map(Some).ok_or(raw)
            }
        };
        let mut problems = cell_problems(&row, &headers);
        let number = get("commande");
        if number.is_empty() {
            problems.push("le numéro de commande est vide".to_string());
        }
        let created = order_date(&get("date"), tz);
        if created.is_none() {
            problems.push(format!(
                "date « {} » invalide (exemple : 2026-11-20 ou 2026-11-20 10:30)",
                get("date")
            ));
        }
        let payment = payment_status(&get("paiement"));
        if payment.is_none() {
            problems.push(format!(
                "paiement « {} » inconnu (payée, en attente, remboursée, annulée)",
                get("paiement")
            ));
        }
        let shipping = shipping_status(&get("expedition"));
        if shipping.is_none() {
            problems.push(format!(
                "expédition « {} » inconnue (à préparer, expédiée, partiellement expédiée)",
                get("expedition")
            ));
        }
        let total = money("total")
            .map_err(|raw| problems.push(format!("total « {raw} » invalide")))
            .ok()
            .flatten();
        let price = money("prix")
            .map_err(|raw| problems.push(format!("prix « {raw} » invalide")))
            .ok()
            .flatten();
        let quantity = match get("quantite").as_str() {
            "" => 1,
            q => q.parse::<i64>().ok().filter(|n| *n > 0).unwrap_or_else(|| {
                problems.push(format!(
                    "quantité « {q} » invalide (un nombre entier, 1 ou plus)"
                ));
                0
            }),
        };
        let email = get("email");
        if !email.is_empty() && !crate::accounts::profile::looks_like_email(&email) {
            problems.push(format!("e-mail « {email} » invalide"));
        }
        let name = if number.starts_with('#') {
            number.clone()
        } else {
            format!("#{number}")
        };
        if let (Some(existing), Some(created)) = (orders.iter().find(|o| o.name == name), &created)
        {
            if existing.created_at != *created || existing.email != email {
                problems.push(format!("la commande {name} a une autre date ou un autre e-mail sur une ligne précédente"));
            }
        }
        if !problems.is_empty() {
            errors.push(LineError {
                line,
                reason: problems.join(" ; "),
            });
            continue;
        }
        let order_line = OrderLineRec {
            product_external_id: String::new(),
            variant_external_id: String::new(),
            title: get("produit"),
            variant_title: String::new(),
            sku: get("sku"),
            quantity,
            price_cents: price,
        };
        match orders.iter_mut().find(|o| o.name == name) {
            Some(order) => order.lines.push(order_line),
            None => orders.push(OrderRec {
                external_id: name.trim_start_matches('#').to_string(),
                name,
                email,
                phone: get("telephone"),
                customer_external_id: String::new(),
                created_at: created.clone().unwrap_or_default(),
                updated_at: created.unwrap_or_default(),
                financial_status: payment.unwrap_or_default().into(),
                fulfillment_status: shipping.unwrap_or_default().into(),
                cancelled_at: None,
                total_cents: total,
                currency: "EUR".into(),
                carrier: get("transporteur"),
                tracking_number: get("numero_suivi"),
                tracking_url: get("lien_suivi"),
                shipment_status: String::new(),
                sale: Box::default(),
                lines: vec![order_line],
            }),
        }
    }
    if orders.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 2,
            reason: "le fichier ne contient aucune commande".into(),
        });
    }
    if errors.is_empty() {
        Ok(orders.into_iter().map(Record::Order).collect())
    } else {
        Err(capped(errors))
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn the_orders_template_imports_grouped_by_order() {
        let records = parse_orders(
            ORDERS_TEMPLATE.as_bytes(),
            &jiff::tz::TimeZone::get("Europe/Paris").unwrap(),
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        let Record::Order(o) = &records[0] else {
            panic!()
        };
        assert_eq!(
            (o.name.as_str(), o.lines.len(), o.total_cents),
            ("#1001", 2, Some(17290))
        );
        assert_eq!(o.created_at, "2026-11-20T09:30:00Z", "Paris time to UTC");
        assert_eq!(
            (o.financial_status.as_str(), o.fulfillment_status.as_str()),
            ("paid", "fulfilled")
        );
    }

    #[test]
    fn bad_order_lines_are_all_listed() {
        let file = "commande;date;paiement;expedition;produit;quantite;total\n\
            1;2026-11-20;payée;expédiée;Robe;1;10\n\
            ;hier;offerte;perdue;Jupe;zéro;dix\n\
            1;2026-11-21;payée;expédiée;Pull;1;10\n";
        let errors = parse_orders(file.as_bytes(), &jiff::tz::TimeZone::UTC).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        for part in [
            "numéro de commande est vide",
            "date « hier »",
            "paiement « offerte »",
            "expédition « perdue »",
            "total « dix »",
            "quantité « zéro »",
        ] {
            assert!(
                errors[0].reason.contains(part),
                "{part}: {}",
                errors[0].reason
            );
        }
        assert!(errors[1].reason.contains("autre date"));
    }
}
