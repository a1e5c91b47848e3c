"""``mlhive profile show | set``: a person's bio, affiliation, interests and contributions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import JsonOption, print_json, print_pairs, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.wire.profiles import PersonProfile

EXAMPLES = """Examples:

  mlhive profile set --affiliation "Hive Lab" --interest "gradient boosting" --interest nlp
  mlhive profile set --bio-file bio.md
  mlhive profile show alice
"""

app = typer.Typer(
    help="Profiles: bio, affiliation, interests, and what someone contributed.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)


def _print(profile: PersonProfile, as_json: bool) -> None:
    if as_json:
        print_json(profile.model_dump(mode="json"))
        return
    print_pairs(
        {
            "name": profile.name,
            "affiliation": profile.affiliation,
            "interests": ", ".join(profile.interests),
            "bio": profile.bio,
        }
    )
    counted = profile.contributions.model_dump()
    print_pairs(
        {k.replace("_", " "): v for k, v in counted.items() if v is not None},
        ("contribution", "count"),
    )


@app.command("show")
@with_client
def show(
    client: Client,
    name: Annotated[str | None, typer.Argument(help="Whose (default: yours).")] = None,
    as_json: JsonOption = False,
) -> None:
    """A profile, with contributions counted over what you may see."""
    _print(client.profiles.get(name or client.whoami().name), as_json)


@app.command("set")
@with_client
def set_profile(
    client: Client,
    bio: Annotated[str | None, typer.Option(help="Your bio (Markdown).")] = None,
    bio_file: Annotated[
        typer.FileText | None, typer.Option(help="Read the bio from this file ('-': stdin).")
    ] = None,
    affiliation: Annotated[str | None, typer.Option(help="Where you work or study.")] = None,
    interest: Annotated[
        list[str] | None,
        typer.Option(help="An interest (repeat; replaces the list). --no-interests clears it."),
    ] = None,
    no_interests: Annotated[
        bool, typer.Option("--no-interests", help="Clear your interests.")
    ] = False,
    team: Annotated[
        str | None, typer.Option(help="Edit this team's profile instead (team admins).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change your profile: only the fields given."""
    if bio is not None and bio_file is not None:
        raise typer.BadParameter("give --bio or --bio-file, not both", param_hint="--bio")
    if interest and no_interests:
        raise typer.BadParameter("give --interest or --no-interests", param_hint="--interest")
    text = bio_file.read() if bio_file is not None else bio
    interests = [] if no_interests else interest
    if text is None and affiliation is None and interests is None:
        raise typer.BadParameter("nothing to change: give --bio, --affiliation or --interest")
    name = team or client.whoami().name
    changed = client.profiles.update(name, bio=text, affiliation=affiliation, interests=interests)
    if as_json:
        print_json(changed.model_dump(mode="json"))
        return
    typer.echo(f"Updated the profile of {changed.name}.")
