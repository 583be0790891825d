//! [`Stream`]: a COM `IStream` made from a provider's Rust value, for
//! `IMAPIProp::OpenProperty(…, &IID_IStream, …)` (message bodies, attachment data).
//!
//! A read-only stream is made from any `Read + Seek` ([`Stream::read_only`]); a writable
//! one from a [`StreamData`] (`Read + Write + Seek` that can also be cut or extended:
//! `Cursor<Vec<u8>>`, `File`). The methods follow Microsoft's "IStream interface
//! (objidl.h)" pages for a stream opened in direct (not transacted) mode:
//!
//! | method | answer |
//! |---|---|
//! | `Read` | up to `cb` bytes from the seek pointer; fewer at the end, with `S_OK`; `pcbRead` may be NULL |
//! | `Write` | `STG_E_ACCESSDENIED` on a read-only stream; writing past the end extends it |
//! | `Seek` | from `STREAM_SEEK_SET`, `_CUR` or `_END`; before the start `STG_E_INVALIDFUNCTION`; past the end allowed; `plibNewPosition` may be NULL |
//! | `SetSize` | `STG_E_ACCESSDENIED` on a read-only stream; the seek pointer does not move |
//! | `CopyTo` | reads from this stream's seek pointer and writes through the other stream's `Write`; the counts go to `pcbRead`/`pcbWritten` (either may be NULL) |
//! | `Commit` | flushes a writable stream (`STGC_*` flags; others `STG_E_INVALIDFLAG`) |
//! | `Revert` | `S_OK`, nothing to undo in direct mode |
//! | `LockRegion`, `UnlockRegion` | `STG_E_INVALIDFUNCTION`: the stream does not lock regions (documented for streams that do not) |
//! | `Stat` | `type` `STGTY_STREAM`, `cbSize`, `grfMode` (`STGM_READ` or `STGM_READWRITE`); the stream has no name, so `pwcsName` is NULL with `STATFLAG_DEFAULT` too |
//! | `Clone` | a new stream over the same data with its own seek pointer, starting at this one's; writes through either are seen by both |
//!
//! A null pointer where one is required is `STG_E_INVALIDPOINTER`; an I/O error of the
//! value is `STG_E_READFAULT`, `STG_E_WRITEFAULT` or `STG_E_SEEKERROR`; a panic in the
//! value's `Read`/`Write`/`Seek` is caught (the method answers `E_UNEXPECTED`) and the
//! stream stays usable.
//!
//! ```
//! use std::io::Cursor;
//! use mapi_sync::stream::Stream;
//! use mapi_sync::sys;
//!
//! let body: sys::IStream = Stream::read_only(Cursor::new(b"Hello".to_vec())).into_istream();
//! let mut buf = [0u8; 8];
//! let mut n = 0;
//! // SAFETY: a writable buffer of 8 bytes and a writable count.
//! let hr = unsafe { body.Read(buf.as_mut_ptr().cast(), 8, &mut n) };
//! assert_eq!((hr, n, &buf[..5]), (sys::S_OK, 5, &b"Hello"[..]));
//! ```

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::com::{ComClass, Object, RawObject, VtblPtr};
use crate::sys::{
    self, ComInterface, ISequentialStream_Impl, IStream, IStream_Impl, IStream_Vtbl, Interface,
    InterfacePtr, DWORD, GUID, HRESULT, LARGE_INTEGER, STATSTG, ULARGE_INTEGER, ULONG,
};

/// What a writable [`Stream`] is made from: `Read + Write + Seek` whose length can be set
/// (`IStream::SetSize`).
pub trait StreamData: Read + Write + Seek + Send {
    /// Cuts or extends the data to `len` bytes (new bytes are zeros); the position is left
    /// where it is.
    fn set_len(&mut self, len: u64) -> io::Result<()>;
}

impl StreamData for Cursor<Vec<u8>> {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "too long for memory"))?;
        self.get_mut().resize(len, 0);
        Ok(())
    }
}

impl StreamData for File {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
}

/// A read-only value seen as writable data that refuses to change.
trait Source: Read + Seek + Send {
    fn write_data(&mut self, buf: &[u8]) -> Option<io::Result<usize>>;
    fn flush_data(&mut self) -> io::Result<()>;
    fn set_data_len(&mut self, len: u64) -> Option<io::Result<()>>;
}

struct ReadOnly<R>(R);

impl<R: Read + Seek + Send> Read for ReadOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read + Seek + Send> Seek for ReadOnly<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

impl<R: Read + Seek + Send> Source for ReadOnly<R> {
    fn write_data(&mut self, _: &[u8]) -> Option<io::Result<usize>> {
        None
    }
    fn flush_data(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn set_data_len(&mut self, _: u64) -> Option<io::Result<()>> {
        None
    }
}

struct Writable<W>(W);

impl<W: StreamData> Read for Writable<W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<W: StreamData> Seek for Writable<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

impl<W: StreamData> Source for Writable<W> {
    fn write_data(&mut self, buf: &[u8]) -> Option<io::Result<usize>> {
        Some(self.0.write(buf))
    }
    fn flush_data(&mut self) -> io::Result<()> {
        self.0.flush()
    }
    fn set_data_len(&mut self, len: u64) -> Option<io::Result<()>> {
        Some(self.0.set_len(len))
    }
}

/// How many bytes `Read`, `Write` and `CopyTo` move at a time through the stream's own
/// buffer.
const CHUNK: usize = 64 * 1024;

/// The `STGC_*` flags `Commit` knows.
const COMMIT_FLAGS: DWORD = sys::STGC_OVERWRITE
    | sys::STGC_ONLYIFCURRENT
    | sys::STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE
    | sys::STGC_CONSOLIDATE;

/// A COM `IStream` over a provider's value (see the [module](self)): clones share the
/// value, each with its own seek pointer.
pub struct Stream {
    data: Arc<Mutex<Box<dyn Source>>>,
    writable: bool,
    position: Mutex<u64>,
}

impl Stream {
    /// A read-only stream over `source`, its seek pointer at 0: `Write` and `SetSize`
    /// answer `STG_E_ACCESSDENIED`, `Stat` says `STGM_READ`.
    pub fn read_only(source: impl Read + Seek + Send + 'static) -> Stream {
        Stream::new(Box::new(ReadOnly(source)), false)
    }

    /// A writable stream over `data`, its seek pointer at 0; `Stat` says
    /// `STGM_READWRITE`. What is written goes to `data` at once (direct mode).
    pub fn writable(data: impl StreamData + 'static) -> Stream {
        Stream::new(Box::new(Writable(data)), true)
    }

    fn new(data: Box<dyn Source>, writable: bool) -> Stream {
        Stream {
            data: Arc::new(Mutex::new(data)),
            writable,
            position: Mutex::new(0),
        }
    }

    /// The stream as a COM object: its `IStream` (one reference).
    pub fn into_istream(self) -> IStream {
        let raw = Object::new(self).into_unknown().into_raw();
        // SAFETY: slot 0 of a Stream object is its IStream vtable (the ComClass impl
        // below), so its IUnknown pointer is also its IStream pointer, and never null;
        // the IUnknown handle's one reference moves to the IStream handle.
        match unsafe { IStream::from_raw(raw) } {
            Some(stream) => stream,
            None => unreachable!("an object's IUnknown pointer is not null"),
        }
    }

    /// Reads the value from the seek pointer to its end, moving the pointer there: how
    /// the provider's own code reads a stream it was handed (a copy of an attachment).
    pub fn read_to_end(&self) -> io::Result<Vec<u8>> {
        let mut all = Vec::new();
        let mut buf = vec![0; CHUNK];
        loop {
            let n = self
                .read_at_pointer(&mut buf)
                .map_err(|hr| io::Error::other(format!("reading the stream failed: {hr:#010x}")))?;
            if n == 0 {
                return Ok(all);
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    fn data(&self) -> MutexGuard<'_, Box<dyn Source>> {
        // A panic in the value's Read, Write or Seek (caught at the vtable) poisons the
        // lock; every call seeks before it reads or writes, so the data is still usable.
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn position(&self) -> MutexGuard<'_, u64> {
        self.position.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads up to `buf.len()` bytes at the seek pointer, moving it: fewer only at the end.
    fn read_at_pointer(&self, buf: &mut [u8]) -> Result<usize, HRESULT> {
        let mut data = self.data();
        let mut pos = self.position();
        data.seek(SeekFrom::Start(*pos))
            .map_err(|_| sys::STG_E_SEEKERROR)?;
        let mut done = 0;
        while done < buf.len() {
            match data.read(&mut buf[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    *pos += done as u64;
                    return Err(sys::STG_E_READFAULT);
                }
            }
        }
        *pos += done as u64;
        Ok(done)
    }

    /// Writes `buf` at the seek pointer, moving it; the count written so far with an
    /// error.
    fn write_at_pointer(&self, buf: &[u8]) -> Result<usize, (usize, HRESULT)> {
        if !self.writable {
            return Err((0, sys::STG_E_ACCESSDENIED));
        }
        let mut data = self.data();
        let mut pos = self.position();
        data.seek(SeekFrom::Start(*pos))
            .map_err(|_| (0, sys::STG_E_SEEKERROR))?;
        let mut done = 0;
        while done < buf.len() {
            match data.write_data(&buf[done..]) {
                Some(Ok(0)) => {
                    *pos += done as u64;
                    return Err((done, sys::STG_E_MEDIUMFULL));
                }
                Some(Ok(n)) => done += n,
                Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Some(Err(_)) => {
                    *pos += done as u64;
                    return Err((done, sys::STG_E_WRITEFAULT));
                }
                None => return Err((done, sys::STG_E_ACCESSDENIED)),
            }
        }
        *pos += done as u64;
        Ok(done)
    }

    fn size(&self) -> Result<u64, HRESULT> {
        self.data()
            .seek(SeekFrom::End(0))
            .map_err(|_| sys::STG_E_SEEKERROR)
    }
}

/// `value` as a `ULARGE_INTEGER`.
fn ularge(value: u64) -> ULARGE_INTEGER {
    ULARGE_INTEGER { QuadPart: value }
}

/// The 64-bit value of a `ULARGE_INTEGER`.
fn ularge_value(v: ULARGE_INTEGER) -> u64 {
    // SAFETY: every member of the union covers the same 8 bytes of plain integers, so
    // any bit pattern is a valid `QuadPart`.
    unsafe { v.QuadPart }
}

/// Stores `value` through an optional `[out]` pointer (NULL: not wanted).
///
/// # Safety
/// `p` is null or writable.
unsafe fn put<T>(p: *mut T, value: T) {
    if !p.is_null() {
        // SAFETY: non-null and writable (the caller's contract).
        unsafe { p.write(value) };
    }
}

// SAFETY: VTABLES[0] is the IStream vtable built for RawObject<Stream> at offset 0;
// interface_slot answers 0 for IUnknown, IStream and IStream's base ISequentialStream
// (whose vtable is the head of IStream's), None for the rest; there is no This field.
unsafe impl ComClass for Stream {
    type Vtables = [VtblPtr; 1];
    const VTABLES: Self::Vtables = [VtblPtr::new(&IStream_Vtbl::new::<RawObject<Stream>, 0>())];
    fn interface_slot(iid: &GUID) -> Option<usize> {
        let answers = *iid == sys::IID_IUnknown
            || *iid == <IStream as ComInterface>::IID
            || <IStream as ComInterface>::BASE_IIDS.contains(iid);
        answers.then_some(0)
    }
}

impl ISequentialStream_Impl for Stream {
    unsafe fn Read(&self, pv: *mut std::ffi::c_void, cb: ULONG, pcb_read: *mut ULONG) -> HRESULT {
        // SAFETY: pcbRead is null or writable (the method's contract).
        unsafe { put(pcb_read, 0) };
        if pv.is_null() {
            return sys::STG_E_INVALIDPOINTER;
        }
        let mut total: usize = 0;
        let wanted = cb as usize;
        let mut chunk = vec![0u8; wanted.min(CHUNK)];
        while total < wanted {
            let n = (wanted - total).min(CHUNK);
            let got = match self.read_at_pointer(&mut chunk[..n]) {
                Ok(got) => got,
                Err(hr) => {
                    // SAFETY: as above.
                    unsafe { put(pcb_read, total as ULONG) };
                    return hr;
                }
            };
            // SAFETY: pv is writable for cb bytes (the method's contract) and
            // total + got <= cb; the stream's own buffer does not overlap it.
            unsafe {
                std::ptr::copy_nonoverlapping(chunk.as_ptr(), pv.cast::<u8>().add(total), got)
            };
            total += got;
            if got < n {
                break;
            }
        }
        // SAFETY: as above.
        unsafe { put(pcb_read, total as ULONG) };
        sys::S_OK
    }

    unsafe fn Write(
        &self,
        pv: *const std::ffi::c_void,
        cb: ULONG,
        pcb_written: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: pcbWritten is null or writable (the method's contract).
        unsafe { put(pcb_written, 0) };
        if !self.writable {
            return sys::STG_E_ACCESSDENIED;
        }
        if cb == 0 {
            return sys::S_OK;
        }
        if pv.is_null() {
            return sys::STG_E_INVALIDPOINTER;
        }
        // SAFETY: pv is readable for cb bytes (the method's contract) and stays so
        // for the call.
        let bytes = unsafe { std::slice::from_raw_parts(pv.cast::<u8>(), cb as usize) };
        let (written, hr) = match self.write_at_pointer(bytes) {
            Ok(n) => (n, sys::S_OK),
            Err((n, hr)) => (n, hr),
        };
        // SAFETY: as above.
        unsafe { put(pcb_written, written as ULONG) };
        hr
    }
}

impl IStream_Impl for Stream {
    unsafe fn Seek(
        &self,
        dlib_move: LARGE_INTEGER,
        dw_origin: DWORD,
        plib_new_position: *mut ULARGE_INTEGER,
    ) -> HRESULT {
        // SAFETY: as `ularge_value`: any bit pattern is a valid QuadPart.
        let moved = i128::from(unsafe { dlib_move.QuadPart });
        let base = match dw_origin {
            sys::STREAM_SEEK_SET => 0,
            sys::STREAM_SEEK_CUR => i128::from(*self.position()),
            sys::STREAM_SEEK_END => match self.size() {
                Ok(size) => i128::from(size),
                Err(hr) => return hr,
            },
            _ => return sys::STG_E_INVALIDFUNCTION,
        };
        let Ok(new) = u64::try_from(base + moved) else {
            return sys::STG_E_INVALIDFUNCTION;
        };
        *self.position() = new;
        // SAFETY: plibNewPosition is null or writable (the method's contract).
        unsafe { put(plib_new_position, ularge(new)) };
        sys::S_OK
    }

    unsafe fn SetSize(&self, lib_new_size: ULARGE_INTEGER) -> HRESULT {
        if !self.writable {
            return sys::STG_E_ACCESSDENIED;
        }
        match self.data().set_data_len(ularge_value(lib_new_size)) {
            Some(Ok(())) => sys::S_OK,
            Some(Err(e)) if e.kind() == io::ErrorKind::OutOfMemory => sys::STG_E_MEDIUMFULL,
            Some(Err(_)) => sys::STG_E_WRITEFAULT,
            None => sys::STG_E_ACCESSDENIED,
        }
    }

    unsafe fn CopyTo(
        &self,
        pstm: InterfacePtr<IStream>,
        cb: ULARGE_INTEGER,
        pcb_read: *mut ULARGE_INTEGER,
        pcb_written: *mut ULARGE_INTEGER,
    ) -> HRESULT {
        // SAFETY: both are null or writable (the method's contract).
        unsafe {
            put(pcb_read, ularge(0));
            put(pcb_written, ularge(0));
        }
        // SAFETY: pstm is null or a live IStream the caller holds for the call.
        let Some(target) = (unsafe { pstm.get() }) else {
            return sys::STG_E_INVALIDPOINTER;
        };
        let mut left = ularge_value(cb);
        let (mut read, mut written) = (0u64, 0u64);
        let mut chunk = vec![0u8; CHUNK.min(usize::try_from(left).unwrap_or(CHUNK))];
        let mut hr = sys::S_OK;
        while left > 0 {
            let n = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            // The lock is not held while the target writes: it may be a clone of this
            // stream.
            let got = match self.read_at_pointer(&mut chunk[..n]) {
                Ok(got) => got,
                Err(e) => {
                    hr = e;
                    break;
                }
            };
            if got == 0 {
                break;
            }
            read += got as u64;
            left -= got as u64;
            let mut wrote: ULONG = 0;
            // SAFETY: chunk holds `got` initialized bytes; wrote is writable.
            let w = unsafe { target.Write(chunk.as_ptr().cast(), got as ULONG, &mut wrote) };
            written += u64::from(wrote);
            if w < 0 {
                hr = w;
                break;
            }
            if (wrote as usize) < got {
                hr = sys::STG_E_MEDIUMFULL;
                break;
            }
        }
        // SAFETY: as above.
        unsafe {
            put(pcb_read, ularge(read));
            put(pcb_written, ularge(written));
        }
        hr
    }

    unsafe fn Commit(&self, grf_commit_flags: DWORD) -> HRESULT {
        if grf_commit_flags & !COMMIT_FLAGS != 0 {
            return sys::STG_E_INVALIDFLAG;
        }
        match self.data().flush_data() {
            Ok(()) => sys::S_OK,
            Err(_) => sys::STG_E_WRITEFAULT,
        }
    }

    unsafe fn Revert(&self) -> HRESULT {
        sys::S_OK
    }

    unsafe fn LockRegion(&self, _: ULARGE_INTEGER, _: ULARGE_INTEGER, _: DWORD) -> HRESULT {
        sys::STG_E_INVALIDFUNCTION
    }

    unsafe fn UnlockRegion(&self, _: ULARGE_INTEGER, _: ULARGE_INTEGER, _: DWORD) -> HRESULT {
        sys::STG_E_INVALIDFUNCTION
    }

    unsafe fn Stat(&self, pstatstg: *mut STATSTG, grf_stat_flag: DWORD) -> HRESULT {
        if pstatstg.is_null() {
            return sys::STG_E_INVALIDPOINTER;
        }
        if grf_stat_flag != sys::STATFLAG_DEFAULT && grf_stat_flag != sys::STATFLAG_NONAME {
            return sys::STG_E_INVALIDFLAG;
        }
        let size = match self.size() {
            Ok(size) => size,
            Err(hr) => return hr,
        };
        // SAFETY: STATSTG is plain data (a pointer, integers, FILETIMEs, a GUID), for
        // which all zeros is valid: a null name, no times, CLSID_NULL.
        let mut stat: STATSTG = unsafe { std::mem::zeroed() };
        stat.type_ = sys::STGTY_STREAM;
        stat.cbSize = ularge(size);
        stat.grfMode = if self.writable {
            sys::STGM_READWRITE
        } else {
            sys::STGM_READ
        };
        // SAFETY: non-null and writable (the method's contract).
        unsafe { pstatstg.write(stat) };
        sys::S_OK
    }

    unsafe fn Clone(&self, ppstm: *mut InterfacePtr<IStream>) -> HRESULT {
        if ppstm.is_null() {
            return sys::STG_E_INVALIDPOINTER;
        }
        let clone = Stream {
            data: Arc::clone(&self.data),
            writable: self.writable,
            position: Mutex::new(*self.position()),
        };
        let stream = clone.into_istream();
        // SAFETY: non-null and writable (the method's contract); the one reference moves
        // to the caller.
        unsafe { ppstm.write(stream.into()) };
        sys::S_OK
    }
}

#[cfg(test)]
mod tests;
