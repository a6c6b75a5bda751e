//! Categories: who handles them, which kinds they take, what they ask, whether public.

use super::*;

pub async fn categories_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/categories").await?;
    let mut feedback = done_notice(lang, &params);
    if let Some(c) = desk.categories.iter().find(|c| c.code == params.edit) {
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.code()).collect();
        feedback.show(HashMap::from([
            ("code".into(), c.code.clone()),
            ("name_sv".into(), c.name_sv.clone()),
            ("name_en".into(), c.name_en.clone()),
            ("group_sv".into(), c.group_sv.clone()),
            ("group_en".into(), c.group_en.clone()),
            ("node".into(), c.node_id.to_string()),
            ("kinds".into(), kinds.join(",")),
            ("public".into(), if c.public { "on".into() } else { String::new() }),
            ("sensitive".into(), if c.sensitive { "on".into() } else { String::new() }),
            ("questions".into(), questions_toml(&c.questions)),
        ]));
    } else {
        feedback.form.set("public", "on");
    }
    page(&state, lang, &desk, "categories", feedback, StatusCode::OK).await
}

pub async fn save_category(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/categories").await?;
    // Checkboxes repeat a name (`kinds=a&kinds=b`): read every pair, keep them joined.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut form: Fields = HashMap::new();
    for (k, v) in pairs {
        form.entry(k)
            .and_modify(|e: &mut String| {
                e.push(',');
                e.push_str(&v)
            })
            .or_insert(v);
    }
    let mut feedback = Feedback::default();
    let code = field(&form, "code").to_owned();
    if !domain::is_valid_id(&code) {
        feedback.error("code", lang.t("error-id-invalid"));
    }
    for name in ["name_sv", "name_en", "group_sv", "group_en"] {
        if field(&form, name).is_empty() {
            feedback.error(name, lang.t("error-text-required"));
        }
    }
    let node = field(&form, "node").to_owned();
    if desk.tree.node(&node).is_err() {
        feedback.error("node", lang.t("error-unit-required"));
    }
    let kinds: Vec<CaseKind> = field(&form, "kinds").split(',').filter_map(|k| k.parse().ok()).collect();
    let questions = match read_questions(field(&form, "questions")) {
        Ok(questions) => questions,
        Err(problem) => {
            feedback.error("questions", lang.t1("error-questions", "problem", &problem));
            Vec::new()
        }
    };
    if !feedback.has_errors() {
        let position = desk.categories.iter().position(|c| c.code == code).unwrap_or(desk.categories.len());
        let category = Category {
            code,
            name_sv: field(&form, "name_sv").into(),
            name_en: field(&form, "name_en").into(),
            group_sv: field(&form, "group_sv").into(),
            group_en: field(&form, "group_en").into(),
            node_id: node.into(),
            kinds,
            public: field(&form, "public") == "on",
            sensitive: field(&form, "sensitive") == "on",
            questions,
        };
        state.store.upsert_category(&desk.user.jurisdiction, &category, position as i64).await?;
        return Ok(Redirect::to("/staff/admin/categories?done=saved").into_response());
    }
    refused(&mut feedback, &form);
    page(&state, lang, &desk, "categories", feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A category's questions as administrators write them: `[[questions]]` tables in TOML.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QuestionsToml {
    #[serde(default)]
    questions: Vec<domain::Question>,
}

pub(super) fn questions_toml(questions: &[domain::Question]) -> String {
    toml::to_string(&QuestionsToml { questions: questions.to_vec() }).unwrap_or_default()
}

pub(super) fn read_questions(text: &str) -> Result<Vec<domain::Question>, String> {
    let read: QuestionsToml = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    let category = Category { questions: read.questions, ..Category::default() };
    category.check_questions().map_err(|e| e.to_string())?;
    Ok(category.questions)
}
