//! [`ProfileSection`]: a profile section (`IProfSect`) read and written with owned
//! values.

use std::ffi::c_void;

use crate::ll::tags::write_prop_tags;
use crate::mem::Allocators;
use crate::props::{prop_type, OwnedValue, Prop, PropArray, Props};
use crate::sys::{self, IMAPISupport, IProfSect, LPSPropValue, LPPROFSECT, ULONG};
use crate::{Error, Result};

/// A profile section: where a message service keeps its configuration and MAPI the
/// store's identity (Microsoft, "IProfSect", "IMAPISupport::OpenProfileSection").
pub struct ProfileSection {
    section: IProfSect,
    allocators: Allocators,
}

impl std::fmt::Debug for ProfileSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProfileSection")
    }
}

/// Frees a buffer a MAPI method handed out, when dropped.
struct Handed {
    p: *mut c_void,
    allocators: Allocators,
}

impl Drop for Handed {
    fn drop(&mut self) {
        // SAFETY: null, or a MAPIAllocateBuffer allocation of these allocators that the
        // callee handed to us; freed once, here.
        unsafe { self.allocators.free(self.p) };
    }
}

impl ProfileSection {
    /// Takes over the section an out-pointer handed back (`MAPI_E_CALL_FAILED` for a
    /// success with a null section).
    ///
    /// # Safety
    /// `raw` must be null or a live `IProfSect` whose reference the caller hands over.
    pub(crate) unsafe fn adopt(raw: LPPROFSECT, allocators: Allocators) -> Result<Self> {
        // SAFETY: the caller's contract.
        let section = unsafe { raw.into_owned() }.ok_or_else(|| {
            Error::with_message(sys::MAPI_E_CALL_FAILED, "a null profile section")
        })?;
        Ok(ProfileSection {
            section,
            allocators,
        })
    }

    /// The provider's own section through `IMAPISupport::OpenProfileSection(NULL, ..)`,
    /// as a provider opens it at logon; `writable` asks for `MAPI_MODIFY`. Buffers the
    /// section hands out are freed with `allocators` (MAPI's).
    pub fn of_provider(
        support: &IMAPISupport,
        allocators: Allocators,
        writable: bool,
    ) -> Result<Self> {
        let flags = if writable { sys::MAPI_MODIFY } else { 0 };
        let mut raw: LPPROFSECT = sys::InterfacePtr::null();
        // SAFETY: a null MAPIUID names the provider's section; `raw` is a local place.
        let hr = unsafe { support.OpenProfileSection(std::ptr::null_mut(), flags, &mut raw) };
        if hr < 0 {
            // Whatever a failing call left in `raw` is not ours to release.
            return Err(Error::with_message(
                hr,
                "IMAPISupport::OpenProfileSection failed",
            ));
        }
        // SAFETY: a success hands over a reference to the section.
        unsafe { ProfileSection::adopt(raw, allocators) }
    }

    /// The values of `tags`, in their order: `None` for a property the section does not
    /// have (a `PT_ERROR` answer). Strings come as the tag asks (`PT_UNICODE` or
    /// `PT_STRING8`, converted by the section), since `MAPI_UNICODE` is passed.
    pub fn get(&self, tags: &[ULONG]) -> Result<Vec<Option<OwnedValue>>> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let array = write_prop_tags(Allocators::local(), tags)?;
        let (mut count, mut values): (ULONG, LPSPropValue) = (0, std::ptr::null_mut());
        // SAFETY: a tag array alive for the call; two local out-places.
        let hr = unsafe {
            self.section.GetProps(
                array.as_ptr().cast(),
                sys::MAPI_UNICODE,
                &mut count,
                &mut values,
            )
        };
        let handed = Handed {
            p: values.cast(),
            allocators: self.allocators,
        };
        if hr < 0 {
            return Err(Error::with_message(hr, "IProfSect::GetProps failed"));
        }
        // SAFETY: GetProps' answer: `count` values in the buffer `handed` frees after.
        let props = unsafe { Props::from_raw(handed.p.cast(), count) }?;
        if props.len() != tags.len() {
            return Err(Error::with_message(
                sys::MAPI_E_CORRUPT_DATA,
                format!(
                    "IProfSect::GetProps answered {} of {} tags",
                    props.len(),
                    tags.len()
                ),
            ));
        }
        Ok(props
            .iter()
            .map(|p| (prop_type(p.tag()) != sys::PT_ERROR).then(|| OwnedValue::from(p.value())))
            .collect())
    }

    /// The value of `tag`, or `None`.
    pub fn get_one(&self, tag: ULONG) -> Result<Option<OwnedValue>> {
        Ok(self.get(&[tag])?.pop().flatten())
    }

    /// Sets `props` (`IProfSect::SetProps`); a problem with any of them is an error
    /// naming the property.
    pub fn set(&self, props: &[Prop<'_>]) -> Result<()> {
        if props.is_empty() {
            return Ok(());
        }
        let array = PropArray::write(Allocators::local(), props)?;
        let mut problems: sys::LPSPropProblemArray = std::ptr::null_mut();
        let values = array.as_slice();
        // SAFETY: the values alive for the call (the section copies them); a local place.
        let hr = unsafe {
            self.section.SetProps(
                values.len() as ULONG,
                values.as_ptr().cast_mut(),
                &mut problems,
            )
        };
        let handed = Handed {
            p: problems.cast(),
            allocators: self.allocators,
        };
        if hr < 0 {
            return Err(Error::with_message(hr, "IProfSect::SetProps failed"));
        }
        if !handed.p.is_null() {
            // SAFETY: SetProps' problem array, alive until `handed` is dropped.
            let first = unsafe {
                let p = handed.p.cast::<sys::SPropProblemArray>();
                let count = std::ptr::addr_of!((*p).cProblem).read();
                (count > 0).then(|| {
                    std::ptr::addr_of!((*p).aProblem)
                        .cast::<sys::SPropProblem>()
                        .read()
                })
            };
            if let Some(problem) = first {
                return Err(Error::with_message(
                    problem.scode,
                    format!(
                        "IProfSect::SetProps refused property 0x{:08X}",
                        problem.ulPropTag
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Deletes `tags` (absent ones are no error).
    pub fn delete(&self, tags: &[ULONG]) -> Result<()> {
        if tags.is_empty() {
            return Ok(());
        }
        let array = write_prop_tags(Allocators::local(), tags)?;
        let mut problems: sys::LPSPropProblemArray = std::ptr::null_mut();
        // SAFETY: a tag array alive for the call; a local place.
        let hr = unsafe {
            self.section
                .DeleteProps(array.as_ptr().cast(), &mut problems)
        };
        drop(Handed {
            p: problems.cast(),
            allocators: self.allocators,
        });
        if hr < 0 {
            return Err(Error::with_message(hr, "IProfSect::DeleteProps failed"));
        }
        Ok(())
    }

    /// Commits what was set (`SaveChanges(KEEP_OPEN_READWRITE)`).
    pub fn save(&self) -> Result<()> {
        // SAFETY: no pointer arguments.
        let hr = unsafe { self.section.SaveChanges(sys::KEEP_OPEN_READWRITE) };
        if hr < 0 {
            return Err(Error::with_message(hr, "IProfSect::SaveChanges failed"));
        }
        Ok(())
    }
}
