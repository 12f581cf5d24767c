"""The catalog: AI tools, use cases, use cards and their versions, each use case's lifecycle."""
