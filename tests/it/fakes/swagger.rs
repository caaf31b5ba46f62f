//! Checks requests and responses against an official API description, Swagger 2.0
//! (Amazon's Selling Partner API models) or OpenAPI 3 (Mirakl's): query parameters
//! (required, known, typed, enums, `maxItems` of CSV arrays) and bodies against a schema
//! (types, required properties, enums, items, `$ref`). Enough of JSON Schema for these
//! models; every problem is named with its path.

use serde_json::Value;

pub struct Spec(pub Value);

impl Spec {
    pub fn load(file: &str) -> Spec {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        Spec(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .0
                .pointer(r.trim_start_matches('#'))
                .unwrap_or(&Value::Null),
            None => schema,
        }
    }

    /// Problems of a query against the operation `method path` (path as in the model).
    pub fn check_query(&self, path: &str, method: &str, query: &[(String, String)]) -> Vec<String> {
        self.check_query_also(path, method, query, &[])
    }

    /// The same, also accepting `generic` parameters the provider documents for every
    /// list apart from the operation (Mirakl's offset pagination).
    pub fn check_query_also(
        &self,
        path: &str,
        method: &str,
        query: &[(String, String)],
        generic: &[&str],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(op) = self.0["paths"][path].get(method) else {
            return vec![format!("{method} {path} is not in the model")];
        };
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|a| a.iter().map(|p| self.resolve(p)).collect())
            .unwrap_or_default();
        for (k, v) in query {
            if generic.contains(&k.as_str()) {
                continue;
            }
            let Some(p) = params
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == k.as_str())
            else {
                problems.push(format!("unknown query parameter `{k}`"));
                continue;
            };
            let p = if p.get("schema").is_some() {
                &p["schema"]
            } else {
                p
            };
            let values: Vec<&str> = if p["type"] == "array" {
                let items: Vec<&str> = v.split(',').collect();
                if let Some(max) = p["maxItems"].as_u64()
                    && items.len() as u64 > max
                {
                    problems.push(format!("`{k}` has more than {max} items"));
                }
                items
            } else {
                vec![v.as_str()]
            };
            let kind = if p["type"] == "array" {
                &p["items"]["type"]
            } else {
                &p["type"]
            };
            for value in values {
                match kind.as_str() {
                    Some("integer") if value.parse::<i64>().is_err() => {
                        problems.push(format!("`{k}` = `{value}` is not an integer"))
                    }
                    Some("boolean") if !matches!(value, "true" | "false") => {
                        problems.push(format!("`{k}` = `{value}` is not a boolean"))
                    }
                    _ => {}
                }
                if let Ok(n) = value.parse::<f64>() {
                    if p["maximum"].as_f64().is_some_and(|max| n > max) {
                        problems.push(format!("`{k}` = `{value}` is above {}", p["maximum"]));
                    }
                    if p["minimum"].as_f64().is_some_and(|min| n < min) {
                        problems.push(format!("`{k}` = `{value}` is below {}", p["minimum"]));
                    }
                }
                let allowed = if p["type"] == "array" {
                    &p["items"]["enum"]
                } else {
                    &p["enum"]
                };
                if let Some(allowed) = allowed.as_array()
                    && !allowed.iter().any(|a| a == value)
                {
                    problems.push(format!("`{k}` = `{value}` is not one of {allowed:?}"));
                }
            }
        }
        for p in params
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
        {
            let name = p["name"].as_str().unwrap_or("");
            if !query.iter().any(|(k, _)| k == name) {
                problems.push(format!("required query parameter `{name}` is missing"));
            }
        }
        problems
    }

    /// Problems of `value` against `#/definitions/{name}` (Swagger 2.0).
    pub fn check(&self, name: &str, value: &Value) -> Vec<String> {
        self.check_at(&format!("/definitions/{name}"), value)
    }

    /// Problems of `value` against the schema at a JSON pointer of the description
    /// (`/components/schemas/…` in OpenAPI 3).
    pub fn check_at(&self, pointer: &str, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let schema = self.0.pointer(pointer).cloned().unwrap_or(Value::Null);
        if schema.is_null() {
            return vec![format!("{pointer} is not in the description")];
        }
        self.walk(&schema, value, pointer, &mut problems);
        problems
    }

    fn walk(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if value.is_null() && schema["nullable"] == true {
            return;
        }
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.walk(part, value, at, out);
            }
        }
        let ok = match schema["type"].as_str() {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !ok {
            out.push(format!("{at}: expected {}, found {value}", schema["type"]));
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let Some(required) = schema["required"].as_array() {
            for r in required.iter().filter_map(Value::as_str) {
                if value.get(r).is_none() {
                    out.push(format!("{at}: required `{r}` is missing"));
                }
            }
        }
        if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
            for (k, v) in obj {
                match props.get(k) {
                    Some(s) => self.walk(s, v, &format!("{at}.{k}"), out),
                    None if schema["additionalProperties"] == false => {
                        out.push(format!("{at}: unknown property `{k}`"))
                    }
                    None => {}
                }
            }
        }
        if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
            for (i, v) in list.iter().enumerate() {
                self.walk(items, v, &format!("{at}[{i}]"), out);
            }
        }
    }
}
