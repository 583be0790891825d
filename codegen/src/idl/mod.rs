//! The IDL front end (MIDL subset).
