//! Vendor clients: the only code that talks to an LLM provider over the network.

pub mod openai;
