//! The manifest's corrections of what the headers get wrong: parameter types.

use crate::error::Result;
use crate::ir::{CType, Corrected, Interface};
use crate::manifest::Manifest;

/// Applies the entries of the manifest's `[corrections]` `parameters` list, checking each still
/// applies: the interface is emitted, has the method and the parameter, and the headers
/// give the parameter the type the correction replaces. Headers that already give it the
/// corrected type (Microsoft's own, through `--mapi-include`) have reached the goal: the
/// correction is then left out. A parameter of neither type is an error at its line.
/// Returns the parameters it changed, in the manifest's order.
pub fn apply(manifest: &Manifest, interfaces: &mut [Interface]) -> Result<Vec<Corrected>> {
    let mut corrected = Vec::new();
    for c in &manifest.spec.corrections.parameters {
        let at = c.span().start;
        let c = c.get_ref();
        let iface = interfaces
            .iter_mut()
            .find(|i| i.name == c.interface)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!(
                        "correction names interface `{}`, which is not emitted",
                        c.interface
                    ),
                )
            })?;
        let method = iface
            .methods
            .iter_mut()
            .find(|m| m.name == c.method)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!("interface `{}` has no method `{}`", c.interface, c.method),
                )
            })?;
        let param = method
            .params
            .iter_mut()
            .find(|p| p.name == c.param)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!(
                        "`{}::{}` has no parameter `{}`",
                        c.interface, c.method, c.param
                    ),
                )
            })?;
        let squash = |s: &str| s.replace(' ', "");
        let found = squash(&param.ty.to_string());
        if found == squash(&c.to) {
            continue;
        }
        if found != squash(&c.from) {
            return Err(manifest.error_at(
                at,
                format!(
                    "`{}::{}` parameter `{}` is `{}` in the headers, neither `{}` nor `{}`: \
                     the correction no longer applies",
                    c.interface, c.method, c.param, param.ty, c.from, c.to
                ),
            ));
        }
        param.ty = CType::parse_correction(&c.to, &param.ty)
            .ok_or_else(|| manifest.error_at(at, format!("cannot read the type `{}`", c.to)))?;
        corrected.push(Corrected {
            item: format!("{}::{}", c.interface, c.method),
            member: Some(c.param.clone()),
            header: iface.header.clone(),
            from: c.from.clone(),
            to: c.to.clone(),
        });
    }
    Ok(corrected)
}
