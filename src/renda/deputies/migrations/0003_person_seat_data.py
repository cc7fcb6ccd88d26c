"""One person per deputy; seats of the same person in several terms share one.

The same person is recognised by name, birth year and mobile number all equal (a name alone is
not enough: two deputies may share a name). When two such seats each had an account, the account
of the latest term's seat stays with the person and the other accounts are listed in the
migration's output (they keep their role but no longer act as a deputy until linked again).
"""

from django.db import migrations


def _key(d):
    if not d.phone and d.birth_year is None:
        return ("seat", d.pk)  # nothing to match on: a person of its own
    return (d.name.strip(), d.birth_year, d.phone.strip())


def forwards(apps, schema_editor):
    Deputy = apps.get_model("deputies", "Deputy")
    Person = apps.get_model("deputies", "Person")
    people: dict = {}
    seats = Deputy.objects.select_related("term").order_by("-term__start_date", "pk")
    for d in seats.iterator(chunk_size=1000):
        key = _key(d)
        person = people.get(key)
        if person is None:
            person = Person.objects.create(
                name=d.name,
                gender=d.gender,
                birth_year=d.birth_year,
                party=d.party,
                workplace=d.workplace,
                phone=d.phone,
                user_id=d.user_id,
            )
            people[key] = person
        elif d.user_id and person.user_id is None:
            person.user_id = d.user_id
            person.save(update_fields=["user"])
        elif d.user_id and person.user_id != d.user_id:
            print(f"  deputies: seat {d.pk} kept person {person.pk}; its account {d.user_id} is unlinked")
        d.person_id = person.pk
        d.save(update_fields=["person"])


def backwards(apps, schema_editor):
    Deputy = apps.get_model("deputies", "Deputy")
    seen_users = set()
    for d in Deputy.objects.select_related("person").order_by("-term__start_date", "pk").iterator():
        p = d.person
        if p is None:
            continue
        user_id = p.user_id if p.user_id not in seen_users else None
        if user_id:
            seen_users.add(user_id)
        d.name, d.gender, d.birth_year = p.name, p.gender, p.birth_year
        d.party, d.workplace, d.phone, d.user_id = p.party, p.workplace, p.phone, user_id
        d.save(update_fields=["name", "gender", "birth_year", "party", "workplace", "phone", "user"])


class Migration(migrations.Migration):
    dependencies = [("deputies", "0002_person_seat")]

    operations = [migrations.RunPython(forwards, backwards)]
