//! The macro evaluation that runs while the scan parses stands in for the one after the
//! plan: it has evaluated every macro the plan asks for, to the same values and layouts.

use mapi_codegen::clang::{self, evaluate};
use mapi_codegen::inputs::Inputs;
use mapi_codegen::manifest::Manifest;
use mapi_codegen::select;

fn manifest() -> Manifest {
    Manifest::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../headers/mapi.toml"))
        .unwrap()
}

#[test]
fn the_early_evaluation_gives_what_the_late_one_does() {
    let manifest = manifest();
    let inputs = Inputs::resolve(&manifest, None).unwrap();
    let candidates = select::constants::candidates(&manifest, &inputs);
    let triple = clang::evaluation_triple(&inputs).to_string();
    let early = evaluate::evaluate_early(&inputs, &triple, candidates.clone());
    let scan = clang::scan(&inputs).unwrap();
    let plan = select::plan(&manifest, &scan).unwrap();
    let wanted = &plan.request.macros;
    assert!(
        wanted.len() > 1000,
        "only {} macros requested",
        wanted.len()
    );
    assert!(
        candidates.len() >= wanted.len(),
        "{} candidates for {} requested macros",
        candidates.len(),
        wanted.len()
    );
    let early = early
        .take(&inputs, wanted)
        .expect("the early evaluation covers every requested macro");
    let late = evaluate::evaluate(&inputs, &triple, wanted).unwrap();
    assert_eq!(early.values, late.values);
    assert!(late.values.iter().filter(|v| v.is_some()).count() > 1000);
    assert_eq!(early.layouts, late.layouts);
}

#[test]
fn a_macro_it_did_not_evaluate_sends_the_work_back() {
    let manifest = manifest();
    let inputs = Inputs::resolve(&manifest, None).unwrap();
    let triple = clang::evaluation_triple(&inputs).to_string();
    let early = evaluate::evaluate_early(&inputs, &triple, vec!["MAPI_E_CALL_FAILED".into()]);
    assert!(early
        .take(
            &inputs,
            &["MAPI_E_CALL_FAILED".into(), "MAPI_E_NO_SUPPORT".into()]
        )
        .is_none());
    let early = evaluate::evaluate_early(&inputs, &triple, vec!["MAPI_E_CALL_FAILED".into()]);
    let values = early
        .take(&inputs, &["MAPI_E_CALL_FAILED".into()])
        .unwrap()
        .values;
    // An HRESULT is a LONG: 0x80004005 is negative.
    assert_eq!(values, vec![Some(i128::from(0x8000_4005_u32 as i32))]);
}
