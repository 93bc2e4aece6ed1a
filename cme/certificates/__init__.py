"""Certificates (出具Ⅰ类、Ⅱ类学分证明): issuing from approved credits, the public 证书验证, voiding
(service), and the PDF (pdf).

Rules: approved credits only, a person's own; every issued certificate has a serial and a content hash.
May import: the base, `cme.domain`, `cme.reports` and `cme.credits`.
"""
