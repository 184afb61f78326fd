-- The callers (the JSON core.caller_* reads from a token) of the pgTAP files that test one
-- workspace, ws_pgtap_a, against an outsider owning ws_pgtap_b. \ir it after plan().
\set owner_a '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner"}}'
\set admin_a '{"sub": "usr_pgtap_admin", "workspaces": {"ws_pgtap_a": "admin"}}'
\set member_a '{"sub": "usr_pgtap_member", "workspaces": {"ws_pgtap_a": "member"}}'
\set viewer_a '{"sub": "usr_pgtap_viewer", "workspaces": {"ws_pgtap_a": "viewer"}}'
\set outsider '{"sub": "usr_pgtap_outsider", "workspaces": {"ws_pgtap_b": "owner"}}'
\set reviewer '{"sub": "usr_pgtap_reviewer", "workspaces": {}, "roles": ["platform_reviewer"]}'
