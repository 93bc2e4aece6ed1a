"""Operations: first start and migrations (setup, migrate), demo data (demo), backups (backup) and the
benchmark (bench). Called by the CLI and the app's start; may import every context.
"""
