"""``mlhive team create | show | members | invite | accept | decline | role | remove | leave``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import JsonOption, print_json, print_models, with_client
from mlhive.wire.teams import TeamRole

if TYPE_CHECKING:
    from mlhive.client import Client

EXAMPLES = """Examples:

  mlhive team create vision-lab
  mlhive team invite vision-lab bob --role write     # prints the token for bob
  mlhive team accept mlt_...                         # bob, with his key
  mlhive dataset upload scans.csv --name scans --owner vision-lab --private
  mlhive team members vision-lab
  mlhive team leave vision-lab
"""

app = typer.Typer(
    help="Teams: accounts that own datasets and models; their members act for them by role.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)
Team = Annotated[str, typer.Argument(help="The team's name.")]
User = Annotated[str, typer.Argument(help="A user's name.")]
Token = Annotated[str, typer.Argument(help="The invitation's token.")]
RoleOption = Annotated[
    TeamRole, typer.Option(help="read: sees; write: also changes; admin: also manages.")
]


@app.command("create")
@with_client
def create(client: Client, name: Team) -> None:
    """Create a team with you as its admin."""
    team = client.teams.create(name)
    typer.echo(f"Created team {team.name}; you are its admin.")


@app.command("show")
@with_client
def show(client: Client, name: Team, as_json: JsonOption = False) -> None:
    """The team's members and the datasets and models it owns that you may see."""
    team = client.teams.get(name)
    if as_json:
        print_json(team.model_dump(mode="json"))
        return
    print_models(team.members, ["name", "role", "since"], as_json=False, title="members")
    print_models(team.datasets, ["id", "name", "version", "visibility"], as_json=False)
    print_models(team.models, ["full_name", "visibility"], as_json=False)


@app.command("members")
@with_client
def members(client: Client, name: Team, as_json: JsonOption = False) -> None:
    """The team's members and their roles."""
    print_models(client.teams.members(name), ["name", "role", "since"], as_json=as_json)


@app.command("invite")
@with_client
def invite(
    client: Client,
    name: Team,
    user: User,
    role: RoleOption = TeamRole.READ,
    days: Annotated[int, typer.Option(min=1, max=90, help="Days it stays valid.")] = 7,
) -> None:
    """Invite a user (team admins); the token is printed once, on stdout: give it to them."""
    new = client.teams.invite(name, user, role=role, days=days)
    expires = f"{new.invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"Invited {user} as {role.value} until {expires}; their token:", err=True)
    typer.echo(new.token)


@app.command("accept")
@with_client
def accept(client: Client, token: Token) -> None:
    """Accept an invitation made to you."""
    invitation = client.teams.accept(token)
    typer.echo(f"You joined team {invitation.team} as {invitation.role.value}.")


@app.command("decline")
@with_client
def decline(client: Client, token: Token) -> None:
    """Decline an invitation made to you."""
    invitation = client.teams.decline(token)
    typer.echo(f"You declined to join team {invitation.team}.")


@app.command("role")
@with_client
def role(client: Client, name: Team, user: User, new_role: RoleOption = TeamRole.READ) -> None:
    """Change a member's role (team admins); a team always keeps an admin."""
    client.teams.set_role(name, user, new_role)
    typer.echo(f"{user} is now {new_role.value} in team {name}.")


@app.command("remove")
@with_client
def remove(client: Client, name: Team, user: User) -> None:
    """Remove a member (team admins); what the team owns stays the team's."""
    client.teams.remove(name, user)
    typer.echo(f"Removed {user} from team {name}.")


@app.command("leave")
@with_client
def leave(client: Client, name: Team) -> None:
    """Leave a team: its private objects are out of your reach from now on."""
    client.teams.leave(name)
    typer.echo(f"You left team {name}.")
