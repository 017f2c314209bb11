"""An example JupyterHub configuration for a team sharing Stella Script
(docs/jupyterhub.md). tests/jupyterhub/hub.py runs this shape on loopback.

Install on the Hub host: jupyterhub (>= 5), jupyterlab, jupyter-stellascript
(the server extension and the JupyterLab extension) and configurable-http-proxy
(npm; `make hub-tools` puts it in hub-tools/node_modules/.bin)."""

c = get_config()  # noqa: F821 (defined by JupyterHub when it reads this file)

c.JupyterHub.bind_url = "https://hub.example.org/"  # behind TLS (or c.JupyterHub.ssl_cert/ssl_key)
c.ConfigurableHTTPProxy.command = ["/opt/stellascript/hub-tools/node_modules/.bin/configurable-http-proxy"]
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"  # the Hub's own DB (not Stella's)

# Who logs in: any authenticator (OAuthenticator, LDAP, ...). Groups on the Hub
# are Stella teams; Hub admins are Stella admins.
c.JupyterHub.authenticator_class = "dummy"  # replace: DummyAuthenticator is for trials only
c.DummyAuthenticator.password = "change-me"
c.Authenticator.allowed_users = {"ana", "ben", "cy"}
c.Authenticator.admin_users = {"ana"}
c.JupyterHub.load_groups = {"ops": {"users": ["ana", "ben"]}, "dev": {"users": ["cy"]}}
# With an authenticator that knows groups (e.g. GenericOAuthenticator), let it manage them:
# c.Authenticator.manage_groups = True

# Each user's own JupyterLab with the extension (LocalProcessSpawner runs it as
# that Unix user; DockerSpawner/KubeSpawner work the same way).
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
# Every single-user server uses ONE registry: it reads /etc/jupyter/jupyter_server_config.py,
# or point JUPYTER_CONFIG_PATH at a folder holding it:
#   c.StellaScript.db_url = "postgresql+psycopg://stella@db.example.org/stellascript"
#   c.StellaScript.secret_key_file = "/etc/stellascript/secret.key"   # the same key everywhere
#   c.StellaScript.execute_locally = False   # shared `stellascript worker`s run everything
#   c.StellaScript.hub_groups_max_age = 0    # re-read groups from the Hub on each request (default)
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": "/etc/stellascript/jupyter"}

# The single-user servers need each user's groups and admin flag in the Hub's
# answer about them. JupyterHub >= 4 puts them in every identify answer
# (read:users:name and read:users:groups of the user are the "identify" scopes);
# state them anyway, so a Hub that trims scopes keeps them:
c.Spawner.oauth_client_allowed_scopes = ["read:users:groups!user", "read:users:name!user"]

# Headless pipelines: a Hub user for the pipeline (ci-bot, in the teams it
# works for) whose token may reach its own server; see docs/jupyterhub.md
# "Tokens for pipelines". Create the token with the Hub's REST API:
#   POST /hub/api/users/ci-bot/tokens
#   {"scopes": ["access:servers!user=ci-bot", "read:users:name!user=ci-bot", "read:users:groups!user=ci-bot"]}
