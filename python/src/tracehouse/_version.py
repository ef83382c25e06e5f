"""The package version; a test keeps it equal to the TypeScript SDK's (sdk/deno.json)."""

__version__ = "0.1.0"
