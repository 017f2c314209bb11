"""Secrets: values encrypted at rest, delivered to runs as files (and
environment variables when asked), masked in everything a run writes.

- crypto.py: the key file (c.StellaScript.secret_key_file) and the cipher;
- models.py: the tables and the REST bodies;
- manager.py: create, list, replace, delete, and resolving what a run uses;
- delivery.py: a secret as a run receives it; masking.py: masking its value;
- rotation.py: re-encrypting every value under a new key.
"""
