//! A small safe layer over the parts of libclang (through `clang-sys`) that the clang scan,
//! the macro evaluation, the layouts and the C header check use.
//!
//! Every `unsafe` block here calls a libclang function with handles that this module
//! created and keeps alive: a [`Cursor`] or [`Type`] never outlives the
//! [`TranslationUnit`] it borrows from.

use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_uint, c_ulong, c_void};
use std::path::Path;

use clang_sys::*;

use crate::error::{Diagnostic, Error};

/// libclang as first loaded in this process: `clang_sys::load` finds the library afresh
/// (running `llvm-config`, resolving every symbol) each time, and its handle is per
/// thread, so the other threads are given this one.
static LIBRARY: std::sync::OnceLock<std::sync::Arc<clang_sys::SharedLibrary>> =
    std::sync::OnceLock::new();

/// Makes libclang usable on this thread, loading it once per process, with an error that
/// says what to install.
pub fn ensure_loaded() -> Result<(), Error> {
    if clang_sys::is_loaded() {
        return Ok(());
    }
    // One thread loads; the others wait for it and share its handle (two threads that
    // each ran `clang_sys::load` at once would each search the disk for the library).
    static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = LOADING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(library) = LIBRARY.get() {
        clang_sys::set_library(Some(library.clone()));
        return Ok(());
    }
    clang_sys::load().map_err(|e| {
        Error::msg(format!(
            "libclang not found ({e}).\n  Install it with `apt-get install libclang-dev` \
             (or run `cargo xtask regen`, which installs it), or point LIBCLANG_PATH at \
             the directory holding libclang.so"
        ))
    })?;
    if let Some(library) = clang_sys::get_library() {
        let _ = LIBRARY.set(library);
    }
    Ok(())
}

/// A libclang index with one translation unit parsed from in-memory sources.
pub struct TranslationUnit {
    index: CXIndex,
    tu: CXTranslationUnit,
}

impl TranslationUnit {
    /// Parses in-memory sources with the given compiler arguments. `files` are
    /// `(path, contents)`; the first is the main file, the others are what it may include.
    /// Macro definitions and expansions are among the cursors (a detailed preprocessing
    /// record). Any error diagnostic is an error quoting clang's first.
    pub fn parse(args: &[String], files: &[(String, String)]) -> Result<Self, Error> {
        Self::parse_with(args, files, CXTranslationUnit_DetailedPreprocessingRecord)?.check(args)
    }

    /// Like [`parse`](Self::parse), without the preprocessing record (no macro
    /// definitions or expansions among the cursors), which makes the parse cheaper.
    pub fn parse_without_macros(
        args: &[String],
        files: &[(String, String)],
    ) -> Result<Self, Error> {
        Self::parse_with(args, files, 0)?.check(args)
    }

    /// A parse as `clang -fsyntax-only` makes it (the end of the unit checked too, and
    /// function bodies unless `skip_bodies`), for its error diagnostics, at their presumed
    /// locations (what `#line` directives say).
    pub fn compile_errors(
        args: &[String],
        files: &[(String, String)],
        skip_bodies: bool,
    ) -> Result<Vec<Diagnostic>, Error> {
        let options = if skip_bodies {
            CXTranslationUnit_SkipFunctionBodies
        } else {
            0
        };
        Ok(Self::parse_with_options(args, files, options)?.errors())
    }

    /// Like [`parse_without_macros`](Self::parse_without_macros), but a unit with errors
    /// is still returned.
    pub fn parse_lenient(args: &[String], files: &[(String, String)]) -> Result<Self, Error> {
        Self::parse_with(args, files, 0)
    }

    /// The unit, or an error quoting clang's first error diagnostic.
    fn check(self, args: &[String]) -> Result<Self, Error> {
        if let Some(first) = self.errors().into_iter().next() {
            let message = format!(
                "the C headers do not compile: {}\n  (clang arguments: {})",
                first.one_line(),
                args.join(" ")
            );
            return Err(Error::compiler(message, vec![first]));
        }
        Ok(self)
    }

    fn parse_with(
        args: &[String],
        files: &[(String, String)],
        record: CXTranslationUnit_Flags,
    ) -> Result<Self, Error> {
        let options = record | CXTranslationUnit_SkipFunctionBodies | CXTranslationUnit_Incomplete;
        Self::parse_with_options(args, files, options)
    }

    fn parse_with_options(
        args: &[String],
        files: &[(String, String)],
        options: CXTranslationUnit_Flags,
    ) -> Result<Self, Error> {
        ensure_loaded()?;
        let c_args: Vec<CString> = args.iter().map(|a| cstring(a)).collect();
        let arg_ptrs: Vec<*const c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
        let names: Vec<CString> = files.iter().map(|(n, _)| cstring(n)).collect();
        let mut unsaved: Vec<CXUnsavedFile> = files
            .iter()
            .zip(&names)
            .map(|((_, text), name)| CXUnsavedFile {
                Filename: name.as_ptr(),
                Contents: text.as_ptr() as *const c_char,
                Length: text.len() as c_ulong,
            })
            .collect();
        // SAFETY: libclang is loaded; all pointers passed are valid for the duration of
        // the calls (the CStrings and the source texts outlive them), and the lengths
        // match the arrays.
        let (index, tu) = unsafe {
            let index = clang_createIndex(0, 0);
            let tu = clang_parseTranslationUnit(
                index,
                names[0].as_ptr(),
                arg_ptrs.as_ptr(),
                arg_ptrs.len() as i32,
                unsaved.as_mut_ptr(),
                unsaved.len() as c_uint,
                options,
            );
            (index, tu)
        };
        if tu.is_null() {
            // SAFETY: `index` was created above and is not used after this.
            unsafe { clang_disposeIndex(index) };
            return Err(Error::msg(format!(
                "libclang could not parse the headers (arguments: {})",
                args.join(" ")
            )));
        }
        Ok(TranslationUnit { index, tu })
    }

    /// The error and fatal diagnostics, each at its presumed location (what `#line`
    /// directives say).
    pub fn errors(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        // SAFETY: `self.tu` is a live translation unit; each diagnostic is disposed after
        // its text and location have been copied out, and the presumed file name is a
        // string libclang gives us to dispose (`take`).
        unsafe {
            for i in 0..clang_getNumDiagnostics(self.tu) {
                let d = clang_getDiagnostic(self.tu, i);
                let severity = clang_getDiagnosticSeverity(d);
                if severity >= CXDiagnostic_Error {
                    let severity = if severity == CXDiagnostic_Fatal {
                        "fatal error"
                    } else {
                        "error"
                    };
                    let message = take(clang_getDiagnosticSpelling(d));
                    let (mut file, mut line, mut column) = (CXString::default(), 0, 0);
                    clang_getPresumedLocation(
                        clang_getDiagnosticLocation(d),
                        &mut file,
                        &mut line,
                        &mut column,
                    );
                    out.push(Diagnostic::compiler(
                        take(file),
                        line as usize,
                        column as usize,
                        severity,
                        message,
                    ));
                }
                clang_disposeDiagnostic(d);
            }
        }
        out
    }

    pub fn root(&self) -> Cursor<'_> {
        // SAFETY: `self.tu` is live for the returned cursor's lifetime.
        Cursor::new(unsafe { clang_getTranslationUnitCursor(self.tu) })
    }

    /// The spelling of every token in `cursor`'s extent.
    pub fn tokens(&self, cursor: Cursor<'_>) -> Vec<String> {
        let mut out = Vec::new();
        // SAFETY: the range comes from a cursor of this unit; libclang allocates the token
        // array, which is read within its length and then disposed.
        unsafe {
            let range = clang_getCursorExtent(cursor.raw);
            let mut tokens: *mut CXToken = std::ptr::null_mut();
            let mut n: c_uint = 0;
            clang_tokenize(self.tu, range, &mut tokens, &mut n);
            if tokens.is_null() {
                return out;
            }
            for i in 0..n as usize {
                out.push(take(clang_getTokenSpelling(self.tu, *tokens.add(i))));
            }
            clang_disposeTokens(self.tu, tokens, n);
        }
        out
    }
}

impl Drop for TranslationUnit {
    fn drop(&mut self) {
        // SAFETY: both handles were created in `parse` and are disposed exactly once.
        unsafe {
            clang_disposeTranslationUnit(self.tu);
            clang_disposeIndex(self.index);
        }
    }
}

/// A cursor into a translation unit's AST, valid while the unit lives.
#[derive(Clone, Copy)]
pub struct Cursor<'tu> {
    raw: CXCursor,
    _tu: PhantomData<&'tu TranslationUnit>,
}

impl<'tu> Cursor<'tu> {
    fn new(raw: CXCursor) -> Self {
        Cursor {
            raw,
            _tu: PhantomData,
        }
    }

    pub fn kind(&self) -> CXCursorKind {
        // SAFETY: `self.raw` is a cursor of a live unit.
        unsafe { clang_getCursorKind(self.raw) }
    }

    pub fn spelling(&self) -> String {
        // SAFETY: as above; the returned CXString is copied and disposed by `take`.
        unsafe { take(clang_getCursorSpelling(self.raw)) }
    }

    /// Direct children, in source order.
    pub fn children(&self) -> Vec<Cursor<'tu>> {
        extern "C" fn visit(c: CXCursor, _p: CXCursor, data: CXClientData) -> CXChildVisitResult {
            // SAFETY: `data` is the `&mut Vec<CXCursor>` passed below, alive for the
            // whole visit, and only this callback touches it.
            let out = unsafe { &mut *(data as *mut Vec<CXCursor>) };
            out.push(c);
            CXChildVisit_Continue
        }
        let mut out: Vec<CXCursor> = Vec::new();
        // SAFETY: the callback matches libclang's visitor signature and the client data
        // points at `out`, which outlives the call.
        unsafe {
            clang_visitChildren(
                self.raw,
                visit,
                &mut out as *mut Vec<CXCursor> as *mut c_void,
            );
        }
        out.into_iter().map(Cursor::new).collect()
    }

    /// libclang's unified symbol resolution of a declaration: one string per entity,
    /// also for a record without a name (`c:@SA@ENTRYID`, or its location).
    pub fn usr(&self) -> String {
        // SAFETY: as above; the returned CXString is copied and disposed by `take`.
        unsafe { take(clang_getCursorUSR(self.raw)) }
    }

    /// The file (full path) and line where the cursor starts, after macro expansion.
    pub fn location(&self) -> (String, u32) {
        // SAFETY: the out-pointers point at locals; the file name is copied.
        unsafe {
            let loc = clang_getCursorLocation(self.raw);
            let mut file: CXFile = std::ptr::null_mut();
            let mut line = 0;
            let mut col = 0;
            let mut off = 0;
            clang_getExpansionLocation(loc, &mut file, &mut line, &mut col, &mut off);
            let name = if file.is_null() {
                String::new()
            } else {
                take(clang_getFileName(file))
            };
            (name, line)
        }
    }

    /// The file's base name (`mapidefs.h`), or empty for built-ins.
    pub fn file_name(&self) -> String {
        let (path, _) = self.location();
        Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn ty(&self) -> Type<'tu> {
        // SAFETY: `self.raw` is a cursor of a live unit.
        Type::new(unsafe { clang_getCursorType(self.raw) })
    }

    pub fn result_type(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getCursorResultType(self.raw) })
    }

    pub fn is_definition(&self) -> bool {
        // SAFETY: as above.
        unsafe { clang_isCursorDefinition(self.raw) != 0 }
    }

    /// Whether a field is a bit-field.
    pub fn is_bit_field(&self) -> bool {
        // SAFETY: `self.raw` is a cursor of a live unit.
        unsafe { clang_Cursor_isBitField(self.raw) != 0 }
    }

    pub fn is_virtual_method(&self) -> bool {
        // SAFETY: as above.
        unsafe { clang_CXXMethod_isVirtual(self.raw) != 0 }
    }

    pub fn is_function_like_macro(&self) -> bool {
        // SAFETY: as above.
        unsafe { clang_Cursor_isMacroFunctionLike(self.raw) != 0 }
    }

    /// The type a typedef declaration names.
    pub fn typedef_underlying(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getTypedefDeclUnderlyingType(self.raw) })
    }

    /// The declaration a type or reference cursor refers to.
    pub fn referenced(&self) -> Cursor<'tu> {
        // SAFETY: as above.
        Cursor::new(unsafe { clang_getCursorReferenced(self.raw) })
    }

    /// An enum's integer type.
    pub fn enum_integer_type(&self) -> Type<'tu> {
        // SAFETY: as above (an invalid type for a cursor that is not an enum).
        Type::new(unsafe { clang_getEnumDeclIntegerType(self.raw) })
    }

    /// An enumerator's value, read as signed (`unsigned` as the unsigned value).
    pub fn enum_value(&self, unsigned: bool) -> i128 {
        // SAFETY: as above; libclang answers for enumerator cursors, which callers pass.
        unsafe {
            if unsigned {
                i128::from(clang_getEnumConstantDeclUnsignedValue(self.raw))
            } else {
                i128::from(clang_getEnumConstantDeclValue(self.raw))
            }
        }
    }

    /// Evaluates a variable's initializer to an integer, if it is an integer constant.
    pub fn evaluate_int(&self) -> Option<i128> {
        // SAFETY: the evaluation result is checked for null, read, then disposed.
        unsafe {
            let r = clang_Cursor_Evaluate(self.raw);
            if r.is_null() {
                return None;
            }
            let v = if clang_EvalResult_getKind(r) == CXEval_Int {
                if clang_EvalResult_isUnsignedInt(r) != 0 {
                    Some(clang_EvalResult_getAsUnsigned(r) as i128)
                } else {
                    Some(clang_EvalResult_getAsLongLong(r) as i128)
                }
            } else {
                None
            };
            clang_EvalResult_dispose(r);
            v
        }
    }
}

/// A type from a translation unit, valid while the unit lives.
#[derive(Clone, Copy)]
pub struct Type<'tu> {
    raw: CXType,
    _tu: PhantomData<&'tu TranslationUnit>,
}

impl<'tu> Type<'tu> {
    fn new(raw: CXType) -> Self {
        Type {
            raw,
            _tu: PhantomData,
        }
    }

    pub fn kind(&self) -> CXTypeKind {
        self.raw.kind
    }

    pub fn spelling(&self) -> String {
        // SAFETY: `self.raw` is a type of a live unit; the string is copied and disposed.
        unsafe { take(clang_getTypeSpelling(self.raw)) }
    }

    pub fn is_const(&self) -> bool {
        // SAFETY: as above.
        unsafe { clang_isConstQualifiedType(self.raw) != 0 }
    }

    pub fn pointee(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getPointeeType(self.raw) })
    }

    /// The type with sugar (typedefs, `elaborated` wrappers) removed.
    pub fn canonical(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getCanonicalType(self.raw) })
    }

    /// For an elaborated type (`struct X`, or a typedef named through a namespace), the
    /// type it names.
    pub fn named(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_Type_getNamedType(self.raw) })
    }

    /// For an array type, its element type.
    pub fn element(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getArrayElementType(self.raw) })
    }

    /// For a constant-size array type, its element count.
    pub fn array_size(&self) -> Option<u64> {
        // SAFETY: as above; a negative result means the type is no such array.
        let n = unsafe { clang_getArraySize(self.raw) };
        u64::try_from(n).ok()
    }

    pub fn declaration(&self) -> Cursor<'tu> {
        // SAFETY: as above.
        Cursor::new(unsafe { clang_getTypeDeclaration(self.raw) })
    }

    pub fn typedef_name(&self) -> String {
        // SAFETY: as above.
        unsafe { take(clang_getTypedefName(self.raw)) }
    }

    pub fn calling_conv(&self) -> CXCallingConv {
        // SAFETY: as above.
        unsafe { clang_getFunctionTypeCallingConv(self.raw) }
    }

    /// The argument types of a function type.
    pub fn args(&self) -> Vec<Type<'tu>> {
        // SAFETY: as above; indices stay below the count libclang reports.
        unsafe {
            let n = clang_getNumArgTypes(self.raw).max(0) as c_uint;
            (0..n)
                .map(|i| Type::new(clang_getArgType(self.raw, i)))
                .collect()
        }
    }

    /// The return type of a function type.
    pub fn result(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_getResultType(self.raw) })
    }

    /// For an attributed type (`__attribute__((stdcall))`), the type it modifies.
    pub fn modified(&self) -> Type<'tu> {
        // SAFETY: as above.
        Type::new(unsafe { clang_Type_getModifiedType(self.raw) })
    }

    pub fn size_of(&self) -> Option<u64> {
        // SAFETY: as above; negative results are libclang's error codes.
        let n = unsafe { clang_Type_getSizeOf(self.raw) };
        u64::try_from(n).ok()
    }

    pub fn align_of(&self) -> Option<u64> {
        // SAFETY: as above.
        let n = unsafe { clang_Type_getAlignOf(self.raw) };
        u64::try_from(n).ok()
    }
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// Copies a libclang string and disposes it.
///
/// # Safety
/// `s` must be a string returned by libclang that has not been disposed.
unsafe fn take(s: CXString) -> String {
    let p = clang_getCString(s);
    let out = if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    clang_disposeString(s);
    out
}
