//! `breadbox mcp`: placeholder.
