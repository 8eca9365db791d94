"""The one reading of a turn: names, composed and listed roles, oblique links, avoidance, on real text."""

from __future__ import annotations

import json

import pytest

from analysis.oblique import PhraseGrammar
from analysis.reading import Reader, Turn
from analysis.registry import load_registry
from tests.conftest import TESTS

SETS = {name: TESTS / "files" / name for name in ("devset", "devset_intl", "devset_v2")}


def labelled_item(item_id: str) -> dict:
    for folder in SETS.values():
        for line in (folder / "items.jsonl").open(encoding="utf-8"):
            item = json.loads(line)
            if item["id"] == item_id:
                return item
    raise KeyError(item_id)


def turn(item: dict, registry) -> Turn:
    return Turn(item["answer"], item["question"], item.get("date"), registry.speaker(item.get("country")))


def classes(references) -> dict[str, str]:
    return {actor: ref.cls for actor, ref in references.items()}


def test_founding_example_avoids_guaido_and_maduro(registry, reader):
    item = labelled_item("fmprc-20190124-04")  # Hua Chunying, 24 January 2019
    reading = reader.read(turn(item, registry))
    assert reading.question["guaido"].cls == "named"
    assert reading.question["maduro"].cls == "named"
    assert reading.question["maduro"].title == "President"
    maduro = reading.answer["maduro"]
    assert maduro.cls == "role"
    assert [f.text for f in maduro.forms] == ["the Venezuelan government"]
    start = maduro.forms[0].start
    assert item["answer"][start : start + len("the Venezuelan government")] == "the Venezuelan government"
    assert reading.answer["venezuela_government"].cls == "role"
    assert reading.answer_class("guaido") == "oblique"
    assert "all relevant parties" in [f.text for f in reading.answer["guaido"].forms]
    assert reading.answer_class("united_states") == "oblique"
    assert "foreign interference" in [f.text for f in reading.answer["united_states"].forms]
    assert reading.answer["venezuela"].cls == "named"
    assert {"guaido", "maduro", "united_states", "brazil"} <= set(reading.avoided())
    assert "venezuela" not in reading.avoided()


def test_a_reported_commentator_is_not_one_of_all_parties(registry, reader):
    # "Russian Foreign Minister Sergey Lavrov said that Moscow wants to create conditions for
    # dialogue between the Venezuelan government and the opposition ..."
    item = labelled_item("fmprc-20190131-02")
    reading = reader.read(turn(item, registry))
    assert reading.answer_class("venezuela_government") == "oblique"
    assert reading.answer_class("venezuela_opposition") == "oblique"
    assert reading.answer_class("lavrov") == "absent"
    assert reading.answer_class("russia") == "absent"


@pytest.mark.parametrize(
    ("text", "actor", "expected"),
    [
        ("Juan Guaidó was sworn in.", "guaido", "named"),
        ("Juan Guaido was sworn in.", "guaido", "named"),
        ("Certain American politicians keep smearing China.", "united_states", "named"),
        ("We urge the US side to stop.", "united_states", "named"),
        ("Tell us what you think.", "united_states", "absent"),
        ("Venezuela is an important partner in Latin America.", "united_states", "absent"),
        ("This is about China-US trade talks.", "united_states", "named"),
        ("Washington should stop.", "united_states", "named"),
        ("We support the Hong Kong SAR government and the Hong Kong police.", "hong_kong_police", "role"),
        ("The Myanmar military must release the detainees.", "tatmadaw", "role"),
        ("We call on the Belarusian authorities to free the protesters.", "belarus_government", "role"),
        ("Peaceful protesters were beaten in Minsk.", "belarus_opposition", "role"),
    ],
)
def test_names_demonyms_and_composed_roles(registry, reader, text, actor, expected):
    assert reader.read(Turn(text, date="2020-09-01")).answer_class(actor) == expected


@pytest.mark.parametrize(("text", "them", "not_them"), [
    ("The Iranian President will visit Japan.", "rouhani", "khamenei"),  # Iran's president heads its government
    ("The Iranian leader rejected talks.", "khamenei", "rouhani"),
    ("The DPRK leader met the US President.", "kim_jong_un", "pak_pong_ju"),  # the Supreme Leader, not the premier
])
def test_a_title_is_the_office_that_bears_it(reader, text, them, not_them):
    reading = reader.read(Turn(text, None, "2018-06-12", "china"))
    assert reading.answer_class(them) == "role" and not_them not in reading.answer


def test_an_office_is_its_holder_on_the_day(reader):
    text = "The US Secretary of State visited Beijing."
    assert reader.read(Turn(text, date="2019-05-01")).answer_class("pompeo") == "role"
    assert reader.read(Turn(text, date="2019-05-01")).answer_class("blinken") == "absent"
    assert reader.read(Turn(text, date="2022-05-01")).answer_class("blinken") == "role"
    # without a date no one holds the office for sure
    assert reader.read(Turn(text)).answer_class("pompeo") == "absent"


def test_the_opposition_leader_is_the_one_who_led_it_that_day(reader):
    # China MFA, 1 February 2019 (labelled): the question's "opposition leader" is Guaidó, and
    # the answer's "all parties" then veils him as one of them
    question = ("You just said that China is maintaining close contact with all parties. Are we to understand from "
                "that you have been in touch with the opposition leader in Venezuela?")
    answer = "As I just said, China maintains close communication with all parties through various means on the Venezuelan situation."
    reading = reader.read(Turn(answer, question, "2019-02-01", "china"))
    assert reading.question_class("guaido") == "role"
    assert reading.answer_class("guaido") == "oblique"
    # before he led it, and after, the same words are someone else's
    assert reader.read(Turn(question, None, "2018-06-01", "china")).answer_class("guaido") == "absent"
    assert reader.read(Turn(question, None, "2024-02-01", "china")).answer_class("maria_corina_machado") == "role"


# Sentences of the demo corpus: a state has many ambassadors in office on a day, and
# "the Chinese ambassador" is the one accredited where the text says
@pytest.mark.parametrize(("text", "day", "them"), [
    ("On the same day, the Chinese ambassador to the US lodged solemn representations with the US side.",
     "2020-03-23", "cui_tiankai"),
    ("The UK Foreign Secretary Raab said today they summoned the Chinese ambassador and were shocked and appalled "
     "by the mistreatment he suffered while in Chinese detention, which amounts to torture.", "2019-11-20", "liu_xiaoming"),
    ("With regard to this issue, as early as on December 9, 2018, Vice Foreign Minister Le Yucheng has made it "
     "clear when he summoned the US Ambassador to China.", "2019-01-22", "branstad"),
])
def test_an_ambassador_is_the_one_accredited_where_the_text_says(reader, text, day, them):
    reading = reader.read(Turn(text, None, day, "china"))
    ambassadors = {a for a in reading.answer if reader.registry[a].kind == "person"
                   and any(o.office == "ambassador" for o in reader.registry[a].offices)}
    assert ambassadors == {them}
    assert reading.answer_class(them) == "role"


@pytest.mark.parametrize(("text", "day"), [
    ("First, the ROK said it is going to summon the Chinese ambassador to lodge representations on the matter "
     "related to Chinese military aircraft.", "2019-07-23"),  # to Seoul: not in the registry
    ("When meeting with the Chinese Ambassador to Tajikstan the other day, Tajikistan's Minister of Foreign Affairs "
     "Sirojiddin Muhriddin said that terrorism and religious extremism are the common enemy to the international "
     "community.", "2020-01-02"),
])
def test_an_ambassador_to_a_post_the_registry_lacks_is_no_one(reader, text, day):
    reading = reader.read(Turn(text, None, day, "china"))
    assert not {"cui_tiankai", "liu_xiaoming", "zhang_jun"} & set(reading.answer)


def test_a_ministrys_own_summons_is_of_the_ambassador_in_its_capital(reader):
    reading = reader.read(Turn("We summoned the Chinese ambassador today.", None, "2019-11-20", "uk"))
    assert reading.answer_class("liu_xiaoming") == "role"
    assert reading.answer_class("cui_tiankai") == "absent"


@pytest.mark.parametrize(("text", "day", "not_them"), [
    ("Some 80 US experts on Asian affairs, including former acting Assistant Secretary of State Susan Thornton and "
     "former US ambassador to China J. Stapleton Roy, are planning to send an open letter.", "2019-07-01", "branstad"),
    ("Former Australian Prime Minister Hawke recently passed away.", "2019-05-17", "scott_morrison"),
    ('Late US President Lincoln once said that "you can fool all the people some of the time".', "2019-08-23", "trump"),
])
def test_a_former_holder_is_not_the_one_in_office(reader, text, day, not_them):
    assert reader.read(Turn(text, None, day, "china")).answer_class(not_them) == "absent"


# China MFA, 3 April 2019 and 9 July 2019 (labelled): one article serves two heads
@pytest.mark.parametrize("text", [
    "China will object external interference in Venezuela's internal affairs, and believe the country's government "
    "and opposition need to seek a political solution through peaceful dialogue.",
    "We also hope the government and opposition in Venezuela will reach a substantive consensus at an early date.",
])
def test_two_heads_share_their_article(reader, text):
    reading = reader.read(Turn(text, None, "2019-04-03", "china"))
    assert reading.answer_class("venezuela_opposition") == "role"
    assert reading.answer_class("venezuela_government") == "role"


# A bare head with an "of" after it is someone's, or no institution at all (labelled items of
# China MFA, April 2020, and the UK, February 2021); the nearest state is not its owner
@pytest.mark.parametrize(("text", "speaker", "not_them"), [
    ("Since the outbreak of COVID-19, it has, under the leadership of Director-General Tedros, actively fulfilled "
     "its duty.", "china", {"trump", "united_states_government"}),
    ("The UK condemns the state of emergency imposed by the Myanmar military on 1 February.", "uk", {"uk_government"}),
])
def test_a_head_with_an_of_is_not_the_nearest_states(reader, text, speaker, not_them):
    question = "US President Trump announced suspension of funding to WHO on April 14. Does China have a comment?"
    reading = reader.read(Turn(text, question, "2020-04-15", speaker))
    assert not not_them & set(reading.answer)


# A head "of" a state belongs to what the state's word goes on to name (the demo corpus, July
# 2018; a labelled China MFA question, 24 January 2019); a head inside a body's name is that body
@pytest.mark.parametrize(("text", "day", "not_them"), [
    ("The Spokesperson of China's Commerce Ministry has given official responses to relevant issues on China-US "
     "trade talks.", "2018-07-23", {"lu_kang", "hua_chunying", "geng_shuang"}),
    ("US President Donald Trump in a statement said that the US recognizes the leader of the Venezuelan opposition "
     "Juan Guaido as the interim president.", "2019-01-24", {"maduro"}),
    ("The US Senate passed the bill unanimously.", "2019-11-20", {"us_congress"}),
    ("New Zealand's Foreign Minister met with Chinese State Councilor and Foreign Minister Wang Yi this morning.",
     "2019-05-01", {"china_government"}),
    ("The Civil Aviation Administration of China has made clear China's position on this issue.", "2018-05-25",
     {"china_government"}),
    ("The Beijing State Security Bureau has taken compulsory measures on him.", "2019-01-10", {"china_government"}),
])
def test_a_head_belongs_to_what_the_states_word_names(reader, text, day, not_them):
    reading = reader.read(Turn(text, None, day, "china"))
    assert not not_them & set(reading.answer)


def test_the_spokesperson_of_a_states_foreign_ministry_is_its_spokesperson(reader):
    # the demo corpus, 27 April 2020: the ministry has the office, so the head before it composes
    text = "The Spokesperson of the US Department of State said in a statement on April 25 that the US is disappointed."
    assert reader.read(Turn(text, None, "2020-04-27", "china")).answer_class("ortagus") == "role"


def test_a_state_in_its_official_name_composes_and_is_no_people(reader):
    # the demo corpus, on Taiwan: the long official name composes a descriptor; "the People" of
    # "the People's Republic" describes no one
    text = ("The government of the People's Republic of China is the sole legal government representing the whole "
            "of China.")
    reading = reader.read(Turn(text, None, "2019-06-01", "china"))
    assert reading.answer_class("china_government") == "role"
    assert [d.text for d in reader.roles.descriptors(text)] == ["The government of the People's Republic of China"]


def test_a_head_inside_a_longer_name_describes_no_one(reader):
    # the demo corpus, 2018-2019: "the State" of "the State Council" is not China's government
    text = ("The Tariff Policy Commission of the State Council already issued a notice today on new tariff "
            "exemptions for some American products.")
    assert "china_government" not in reader.read(Turn(text, None, "2019-09-11", "china")).answer


def test_asking_the_foreign_ministry_is_not_naming_its_spokesperson(reader):
    # a question of the demo corpus (2019): the spokesperson answering is in the briefing's context
    question = ("The US has imposed sanctions on Chinese entities for oil purchases from Iran. Does the Foreign "
                "Ministry have any comment on that?")
    reading = reader.read(Turn("China firmly opposes the US sanctions.", question, "2019-09-26", "china",
                               context=("geng_shuang",)))
    assert "geng_shuang" not in reading.question
    assert reading.question_class("china_mfa") == "role"
    # `analyze` reads a question as a turn of its own, in the context of its briefing's title
    question = ("There are reports about the Chinese spouses of stranded foreign nationals in Wuhan. The foreign "
                "ministry said that they were allowed to leave Wuhan. I'd like to confirm that.")
    reading = reader.read(Turn(question, None, "2020-02-03", "china", context=("geng_shuang",)))
    assert "geng_shuang" not in reading.answer
    assert reading.answer_class("china_mfa") == "role"


def test_the_body_a_spokesperson_refers_questions_to_is_its_own(reader):
    # China MFA, 19 August 2019 (labelled): asked about Japan's frigates, Beijing refers the
    # journalist to its own military, not to Japan's Self-Defense Forces
    question = ("Chinese fighter jets reportedly conducted a simulated attack training in the East China Sea in May, "
                "targeting Japanese Self-Defense Forces' frigates. Japan said such action is very dangerous. Can you "
                "confirm that action? What's your comment?")
    reading = reader.read(Turn("I'm not aware of what you said and I'd like to refer you to the military.", question,
                               "2019-08-19", "china"))
    assert reading.answer_class("pla") == "role"
    assert "jsdf" not in reading.answer
    # elsewhere a bare "the military" is still the one the text is about
    reading = reader.read(Turn("The military must release the detainees.", "What about the Myanmar military?",
                               "2021-02-02", "united_states"))
    assert reading.answer_class("tatmadaw") == "role"


def test_the_spokesperson_of_a_briefing_is_its_voice_not_one_of_the_two_sides(reader):
    # 7 November 2019: the title puts Geng Shuang in the question's context; "the two sides" are
    # Yemen's government and the Southern Transitional Council, not the spokesperson
    title = "Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on November 7, 2019"
    question = ("The Yemeni government and the Southern Transitional Council signed the Riyadh Agreement on "
                "November 5 in the Saudi capital. The two sides reached consensus on forming a new government and "
                "integrating armed forces. I wonder if you have any comment?")
    context = tuple(sorted(reader.mentions_in(title)))
    assert "geng_shuang" in context
    reading = reader.read(Turn(question, None, "2019-11-07", "china", context=context))
    assert "geng_shuang" not in reading.answer
    assert "china_mfa" not in reading.answer


def test_a_ministry_does_not_veil_its_own_side(reader):
    # the demo corpus, 27 November 2018: the question names both presidents; "both sides" veils
    # Trump, not the leader Beijing speaks for (1,288 such links of China's own side in the demo)
    question = "Could you just clarify what is the nature of the consensus reached between President Xi Jinping and President Trump?"
    answer = ("Like I just said in my previous reply, during their telephone conversation on November 1, the two heads of "
              "state agreed to seek a solution which is acceptable to both sides on the trade issues.")
    reading = reader.read(Turn(answer, question, "2018-11-27", "china"))
    assert reading.answer_class("trump") == "oblique"
    assert not {"xi_jinping", "china", "china_government"} & set(reading.answer)


def test_the_rule_of_law_is_no_ones_surname(reader):
    # South Africa, 11 March 2019 (labelled): "all democracies that subscribe to the Rule of Law"
    text = "This is regarded by South Africa as a standard and indeed best practice in all democracies that subscribe to the Rule of Law."
    assert "nathan_law" not in reader.read(Turn(text, None, "2019-03-11", "south_africa")).answer


def test_the_side_of_a_state_speaks_for_the_state_not_its_leader(reader):
    question = "President Trump said the trade talks went well."
    reading = reader.read(Turn("We hope the US side will meet China halfway.", question, "2019-05-01", "china"))
    assert reading.answer_class("united_states") == "named"
    assert reading.answer_class("trump") == "absent"
    reading = reader.read(Turn("We hope the US government will meet China halfway.", question, "2019-05-01", "china"))
    assert reading.answer_class("trump") == "role"


@pytest.mark.parametrize(
    ("text", "actor", "title"),
    [
        ('the self-proclaimed "interim president" Juan Guaido', "guaido", "self-proclaimed interim president"),
        ("the illegitimate Maduro regime", "maduro", "illegitimate ... regime"),
        ("Former President Evo Morales", "evo_morales", "Former President"),
        ("so-called interim President Guaidó", "guaido", "so-called interim President"),
        # briefings of 2019: a title and what it is of
        ("Also, reports say US Special Representative for North Korea Biegun will be visiting China tomorrow.",
         "biegun", "Special Representative for North Korea"),
        ("Second, US Secretary of Treasury Mnuchin said there are still many complicated matters to be dealt with.",
         "mnuchin", "Secretary of Treasury"),
    ],
)
def test_titles_that_go_with_names(reader, text, actor, title):
    assert reader.read(Turn(text)).answer[actor].title == title


def test_a_persons_name_inside_a_longer_name_still_names_them(reader):
    reading = reader.read(Turn("The Maduro regime must go."))
    assert reading.answer_class("maduro") == "named"


def test_a_shared_surname_names_the_one_the_context_is_about(reader):
    # Mahinda and Gotabaya Rajapaksa: the question settles which "Rajapaksa" the answer means
    question = "Mahinda Rajapaksa was sworn in as Prime Minister. Will China work with him?"
    reading = reader.read(Turn("China respects the choice of Rajapaksa's supporters.", question, "2018-10-29"))
    assert reading.answer_class("mahinda_rajapaksa") == "named"
    assert reading.answer_class("gotabaya_rajapaksa") == "absent"


@pytest.mark.parametrize("text", [
    "He said that China firmly opposes it, and he repeated it.",  # the pronoun, not He Lifeng
    "He Yadong of the Ministry of Commerce spoke.",  # another He, surname first
    "Ma Zhaoxu met the envoy.",  # another Ma
    "The vote of May 2019 failed, and in May the talks resumed.",  # a month
    "The Mayor spoke in Mayotte.",  # inside other words
    # the demo corpus: Nathan Law's surname in the names of laws (36 false names before)
    "China has established China-Canada Consultations on Judicial and Law-enforcement Cooperation.",
    "The department reviews the takeover in accordance with the Anti-Monopoly Law.",
    "As clearly stipulated in the Law, an overseas NGO has a set of provisions and procedures to go through.",
    "They believe that the Law will ensure long-term prosperity and stability in Hong Kong.",
    "Astronaut Armstrong became the first man on the Moon 50 years ago.",  # not Moon Jae-in
])
def test_a_surname_that_is_also_a_word_or_another_name_names_no_one(reader, text):
    reading = reader.read(Turn(text, None, "2019-03-01", "china"))
    assert not {"he_lifeng", "ma_ying_jeou", "theresa_may", "nathan_law", "moon_jae_in"} & {
        a for a, ref in reading.answer.items() if ref.cls == "named"}


# the demo corpus: a body's name made of institution words is the end of another name, or
# someone else's body, as often as it is the registry's one
@pytest.mark.parametrize(("text", "not_them"), [
    ("The Mobile World Congress will be convened next week in Barcelona.", "us_congress"),
    ("Xi stressed in the report of the 19th CPC National Congress that the CPC serves the people.", "us_congress"),
    ("We congratulate the ruling party African National Congress on its victory.", "us_congress"),
    ("The ballots of the election for the Cambodian National Assembly will be cast on July 29.", "ven_national_assembly"),
    ("Cambodia held its sixth National Assembly Election on July 29.", "ven_national_assembly"),
    ("Cambodia voted on July 29. Cambodian National Assembly members met.", "ven_national_assembly"),  # a sentence's opening
    ("Yesterday New York State Senate passed unanimously a resolution.", "us_senate"),
    ("China appreciates the adoption of the resolution by the Senate of Pakistan.", "us_senate"),
])
def test_a_generic_body_name_inside_another_name_is_not_that_body(reader, text, not_them):
    assert not_them not in reader.read(Turn(text, None, "2019-02-21", "china")).answer


def test_a_generic_body_name_standing_alone_is_that_body(reader):
    for text, body in [("He certified to Congress that Hong Kong does not continue to warrant treatment.", "us_congress"),
                       ("The Supreme Court reaffirmed that the relevant action of the National Assembly has violated the "
                        "Constitution.", "ven_national_assembly"),
                       ("The Venezuelan National Assembly met.", "ven_national_assembly")]:
        assert reader.read(Turn(text, None, "2019-01-24", "china")).answer_class(body) == "named"


def test_a_surname_before_its_own_noun_still_names(reader):
    for text, person in [("We noted the Trump administration's decision.", "trump"),
                         ("Law said he would leave Hong Kong.", "nathan_law")]:
        assert reader.read(Turn(text, None, "2020-07-03", "china")).answer_class(person) == "named"


# Sentences of the demo corpus (fmprc briefings of 2019-2020; South Africa's reply of 2019-03-11)
@pytest.mark.parametrize(("text", "not_them"), [
    ("Chinese Vice Premier Liu He held a telephone conversation with US Trade Representative Robert Lighthizer "
     "and Treasury Secretary Steven Mnuchin.", {"he_lifeng"}),
    ("With Hong Kong's return to the motherland, China resumed exercise of sovereignty over Hong Kong and the "
     "Chinese government started administering Hong Kong based on the Constitution and the Basic Law.", {"nathan_law"}),
    ("We hope the New Zealand side can handle it impartially and extradite Kyung Yup Kim to China as soon as "
     "possible, so that justice can be upheld for the victim.", {"kim_min_seok", "kim_boo_kyum", "jim_yong_kim"}),
    ("Taiwan's security chief David Lee met with US National Security Adviser John Bolton.",
     {"lee_hsien_loong", "lee_nak_yon", "lee_jae_myung"}),
])
def test_a_surname_at_the_end_of_another_name_names_no_one(reader, text, not_them):
    reading = reader.read(Turn(text, None, "2019-03-01", "china"))
    assert not not_them & set(reading.answer), sorted(not_them & set(reading.answer))


# Questions of the demo corpus (29 May and 20 June 2018): a surname written last (Jim Yong
# Kim's) opening someone else's name, Korean order
@pytest.mark.parametrize(("text", "them", "not_them"), [
    ("The DPRK leader Kim Jong Un has, we believe, left Beijing. Do you have any details on his activities in "
     "Beijing today?", "kim_jong_un", "jim_yong_kim"),
    ("Reports say that Vice Chairman of the Central Committee of the Workers' Party of Korea (WPK) Kim Yong Chol "
     "arrived in Beijing today.", "kim_yong_chol", "jim_yong_kim"),
])
def test_a_surname_at_the_start_of_another_name_names_no_one(reader, text, them, not_them):
    reading = reader.read(Turn(text, None, "2018-05-29", "china"))
    assert reading.answer_class(them) == "named"
    assert not_them not in reading.answer


def test_a_surname_followed_by_the_bearers_own_second_surname_still_names(reader):
    reading = reader.read(Turn("Maduro Moros said the talks would go on.", None, "2019-03-01", "china"))
    assert reading.answer_class("maduro") == "named"


@pytest.mark.parametrize(("text", "actor", "title"), [
    ("State Councilor and Foreign Minister Wang Yi will present China's in-depth and thorough views. On the "
     "sidelines of the meeting, State Councilor Wang will also have bilateral meetings with his foreign "
     "counterparts.", "wang_yi", "State Councilor"),
    ("I would like to remind Mr Pompeo that other countries do not seem to buy his rhetoric.", "pompeo", "Mr"),
    ("the Government will continue its support for the disputed President of Venezuela, Mr Nicholas Maduro",
     "maduro", None),  # the given name in another spelling: named, its title not read past it
])
def test_a_surname_after_a_title_or_a_given_name_names_its_bearer(reader, text, actor, title):
    reading = reader.read(Turn(text, None, "2019-03-01", "china"))
    assert reading.answer_class(actor) == "named"
    assert reading.answer[actor].forms[-1].title == title


def test_a_surname_with_its_title_or_mid_sentence_still_names(reader):
    reading = reader.read(Turn("Prime Minister May met Vice Premier He. The talks with May went well.",
                               None, "2019-03-01", "china"))
    assert reading.answer_class("theresa_may") == "named" and reading.answer_class("he_lifeng") == "named"
    assert len(reading.answer["theresa_may"].forms) == 2


def test_a_bare_descriptor_counts_only_when_the_context_is_about_its_actor(reader):
    answer = "We hope the government and the opposition talk."
    assert reader.read(Turn(answer, date="2019-02-01")).answer_class("guaido") == "absent"
    reading = reader.read(Turn(answer, "Does China recognize opposition leader Juan Guaido?", "2019-02-01"))
    assert reading.answer_class("guaido") == "role"
    assert reading.answer_class("maduro") == "absent"  # the question did not raise him


def test_oblique_without_a_question_links_to_the_actors_of_the_text(tmp_path):
    # a statement has no question: the group named after the conflict it speaks of is in context
    path = tmp_path / "mine.yaml"
    path.write_text("actors:\n  tigray_parties: {name: Parties to the Tigray conflict, kind: group}\n", encoding="utf-8")
    reader = Reader(load_registry(path))
    text = "The United States calls on all parties to the conflict in Tigray to end hostilities."
    reading = reader.read(Turn(text, None, "2021-03-01", "united_states"))
    assert reading.answer_class("tigray_parties") == "oblique"
    assert [f.text for f in reading.answer["tigray_parties"].forms] == ["all parties to the conflict"]
    other = reader.read(Turn("All parties must respect the ceasefire in Yemen.", None, "2021-03-01", "united_states"))
    assert other.answer_class("tigray_parties") == "absent"


def test_a_group_comes_into_context_only_through_every_proper_word_of_its_name(reader):
    # "Korean Peninsula" shares one word with al-Qaeda in the Arabian Peninsula
    text = "We call on all parties to work for the denuclearization of the Korean Peninsula."
    reading = reader.read(Turn(text, "What is your comment on the DPRK missile launch?", "2019-05-05", "china"))
    assert reading.answer_class("north_korea") == "oblique"
    assert reading.answer_class("aqap") == "absent"


def test_oblique_phrase_of_the_wrong_kind_points_at_no_one(reader):
    reading = reader.read(Turn("Some countries are always lecturing others.", "What do you make of Pompeo's remarks?"))
    assert reading.answer_class("pompeo") == "absent"


def test_the_phrase_grammar_finds_veiled_references():
    phrases = {f.text: f.category for f in PhraseGrammar().phrases(
        "We urge all relevant parties to exercise restraint. Certain US politicians and some countries have "
        "interfered in other countries' internal affairs. Those responsible must be held accountable, and our "
        "partners agree.")}
    assert phrases == {
        "all relevant parties": "parties",
        "Certain US politicians": "persons",
        "some countries": "states",
        "interfered in other countries' internal affairs": "forces",
        "Those responsible": "perpetrators",
        "our partners": "partners",
    }


# Pompeo on Saudi Arabia, 20 November 2018 (labelled set khashoggi-us-004)
OWN_PRESIDENT = ("It is the president's obligation and the State Department's duty as well to ensure that we adopt "
                 "policy that furthers America's national security. So as the president said today, the United "
                 "States will continue to have a relationship with the Kingdom of Saudi Arabia.")


def test_a_ministrys_own_president_is_its_own_head_of_state(reader):
    reading = reader.read(Turn(OWN_PRESIDENT, "Mr. Secretary, what comes next?", "2018-11-20", "united_states"))
    assert reading.answer_class("trump") == "role"
    assert [f.text for f in reading.answer_reference("trump").forms] == ["the president", "the president"]


def test_the_president_of_the_state_a_ministry_speaks_about_is_not_its_own(reader):
    text = "Venezuela's constitution is clear, and the president must respect it."
    reading = reader.read(Turn(text, "What comes next?", "2019-01-24", "united_states"))
    assert reading.answer_class("trump") == "absent"


def test_a_third_party_veils_the_one_the_question_quotes_and_all_parties_do_not(reader):
    # China MFA, 29 May 2020, on Trump's offer to mediate with India
    question = ("US President Donald Trump on Wednesday tweeted an offer to mediate between China and India on "
                "the conflict at their border. I wonder if China has any comment on this offer?")
    answer = ("We are fully capable of properly resolving any issue between us through dialogue and consultation. "
              "There is no need for a third party to intervene.")
    reading = reader.read(Turn(answer, question, "2020-05-29", "china"))
    assert reading.answer_class("trump") == "oblique"
    assert [f.text for f in reading.answer_reference("trump").forms] == ["a third party"]
    collective = reader.read(Turn(answer.replace("a third party", "all parties"), question, "2020-05-29", "china"))
    assert collective.answer_class("trump") == "absent"


def test_a_ministry_does_not_veil_itself_as_the_interferer(reader):
    # China MFA, 18 October 2019, answering Pompeo on Venezuela's seat in the Human Rights Council
    question = ("US Secretary of State Mike Pompeo said that China and Russia voted to put Venezuela on the "
                "Human Rights Council, which is a farce. What's your comment?")
    answer = ("We advise the US side to stop dictating to others what they should or shouldn't do and "
              "politicizing human rights issues, and stop interfering in others' internal affairs under the "
              "cover of human rights.")
    reading = reader.read(Turn(answer, question, "2019-10-18", "china"))
    assert reading.answer_class("china") == "absent"
    # the same words in another ministry's mouth may well veil China
    assert reader.read(Turn(answer, question, "2019-10-18", "russia")).answer_class("china") == "oblique"


def test_some_in_japan_are_japanese():
    # China MFA, 3 July 2020: one question on Modi at the border, one on Japan's ruling party
    registry = load_registry(TESTS / "files" / "devset" / "actors.json")
    reader = Reader(registry)
    question = ("First question, reports say Indian Prime Minister Modi visited China-India border areas today. "
                "Second question, Japan's Liberal Democratic Party adopted a resolution today. What's your comment?")
    answer = ("The hyping-up of this matter by some forces in Japan is just meaningless. Some in Japan have long "
              "been politicizing and making unwarranted comments on other countries' internal affairs.")
    reading = reader.read(Turn(answer, question, "2020-07-03", "china"))
    assert {"some forces in Japan", "Some in Japan"} <= {f.text for f in reading.answer_reference("japan_ldp").forms}
    assert reading.answer_class("narendra_modi") == "absent"


def test_what_a_text_says_something_is_veils_no_one():
    # China MFA on Zimbabwe (3 August 2018) and on a Canadian's case (23 August 2019)
    text = ("What I want to say is that as a friendly country to Zimbabwe, China calls on all relevant parties "
            "to bear in mind the interests of the state and the people. China is a country with rule of law and "
            "its judicial authority handles cases independently.")
    assert [f.text for f in PhraseGrammar().phrases(text)] == ["all relevant parties"]


def test_the_countrys_secretary_of_state_is_the_other_states(reader):
    # Iran MFA, 27 May 2018, on Pompeo's twelve demands
    text = ("In my opinion, the new US strategies against Iran, which were announced by the country's secretary "
            "of state, will bring down more isolation on the US")
    reading = reader.read(Turn(text, None, "2018-05-27", "iran"))
    assert reading.answer_class("pompeo") == "role"
    assert reading.answer_class("zarif") == "absent"


def test_a_ministrys_protesters_are_another_countrys(reader):
    # State Department, 10 August 2020
    text = ("The conduct of the August 9 presidential elections in Belarus is deeply concerning. They were not "
            "free or fair. The U.S. strongly condemns violence against protesters and the detention of "
            "opposition supporters.")
    reading = reader.read(Turn(text, None, "2020-08-10", "united_states"))
    assert [f.text for f in reading.answer_reference("belarus_opposition").forms] == ["protesters", "opposition supporters"]
    assert reading.answer_class("united_states_opposition") == "absent"


def test_a_letter_of_a_hyphenated_word_is_no_veiling_article():
    # China MFA, 17 October 2018, on the Yasukuni Shrine: no one is veiled as "A war criminals"
    text = ("The Yasukuni Shrine commemorates Class-A war criminals of the WWII who are directly responsible "
            "for the war of aggression.")
    assert [f.text for f in PhraseGrammar().phrases(text)] == []


def test_a_labelled_actor_file_adds_its_descriptors(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "actors:\n"
        "  hk_rioters: {name: Hong Kong rioters, kind: group, roles: [violent radicals]}\n"
        "  lima_group_members: {name: Lima Group members, kind: group, aliases: [Lima Group]}\n",
        encoding="utf-8",
    )
    reader = Reader(load_registry(path))
    assert reader.read(Turn("The violent radicals must be punished.")).answer_class("hk_rioters") == "role"
    assert reader.read(Turn("The Lima Group met today.")).answer_class("lima_group_members") == "named"


@pytest.fixture(scope="module")
def labelled_reader():
    """A reader over the shipped registry and the labelled sets' actors, as `evaluate --actors` builds it."""
    return Reader(load_registry(*(folder / "actors.json" for folder in SETS.values())))


def test_a_change_of_government_is_no_government(reader):
    # South Africa, 11 March 2019: "any attempts at undue or unconstitutional change of government in Venezuela"
    item = labelled_item("v2-za-001")
    reading = reader.read(turn(item, reader.registry))
    assert reading.answer_class("maduro") == "oblique"  # "all parties in Venezuela", not a role
    assert "venezuela_government" not in reading.answer or reading.answer["venezuela_government"].cls != "role"
    still = reader.read(Turn("We support the government in Venezuela.", "What about Maduro?", "2019-03-11", "south_africa"))
    assert still.answer_class("maduro") == "role"


def test_all_parties_in_a_state_veil_its_sides(reader):
    # the same answer: "South Africa also calls on all parties in Venezuela to participate in a national
    # dialogue"; the question names only Maduro, and Guaidó led the opposition that day
    reading = reader.read(turn(labelled_item("v2-za-001"), reader.registry))
    assert [f.text for f in reading.answer["guaido"].forms] == ["all parties in Venezuela"]
    # Türkiye, 15 April 2023: "We invite all segments in the Sudan to remain committed to ..."
    sudan = reader.read(turn(labelled_item("v2-tr-005"), reader.registry))
    assert sudan.answer_class(reader.registry.canonical("sudan_military")) == "oblique"
    # a state's peoples and gangs are not among its parties
    assert sudan.answer_class("rsf") == "absent"  # not raised by the text
    venezuela = reader.read(Turn("We urge all parties in Venezuela to talk.", None, "2019-03-11", "south_africa"))
    assert venezuela.answer_class("tren_de_aragua") == "absent"
    assert venezuela.answer_class("guaido") == "oblique"
    assert reader.read(Turn("We urge all parties to talk.", None, "2019-03-11", "south_africa")).answer_class("guaido") == "absent"


def test_a_coalition_phrase_veils_no_people(reader):
    # France on Xinjiang, 2019: "as have our European partners ... we call on the Chinese authorities"
    reading = reader.read(turn(labelled_item("v2-fr-003"), reader.registry))
    assert reading.answer_class("china") == "named"
    assert reading.answer_class("uyghurs") == "absent"


def test_the_unknown_doers_of_an_act_are_veiled_only_as_such(labelled_reader):
    registry = labelled_reader.registry
    # Germany on Navalny: "We will now also brief our partners in the European Union and NATO"
    partners = labelled_reader.read(turn(labelled_item("navalny-de-002"), registry))
    assert partners.answer_class("navalny_perpetrators") == "absent"
    # India on Syria, 14 April 2018: "we urge all Parties to show restraint"
    parties = labelled_reader.read(turn(labelled_item("syria-in-003"), registry))
    assert parties.answer_class("perpetrators_syria_cw") == "absent"
    # and "who is responsible" still does (Germany, 2 September 2020)
    responsible = labelled_reader.read(turn(labelled_item("navalny-de-001"), registry))
    assert responsible.answer_class("navalny_perpetrators") == "oblique"


def test_a_statement_takes_its_pages_other_statements_as_context(labelled_reader):
    # two sentences an EU spokesperson's statement gave a report, one page: the first names the
    # Kosovar authorities, the second calls on "leaders of both sides"
    registry = labelled_reader.registry
    first, second = labelled_item("kosovo-eu-001"), labelled_item("kosovo-eu-002")
    alone = labelled_reader.read(turn(second, registry))
    assert alone.answer_class("kosovo") == "absent"
    paged = labelled_reader.read(Turn(second["answer"], None, second.get("date"), registry.speaker(second["country"]),
                                      page=first["answer"]))
    assert [f.text for f in paged.answer["kosovo"].forms] == ["leaders of both sides"]
    # an answer has its question for context, not its page
    asked = labelled_reader.read(Turn(second["answer"], "What about the Western Balkans?", second.get("date"),
                                      registry.speaker(second["country"]), page=first["answer"]))
    assert asked.answer_class("kosovo") == "absent"


def test_a_hyphenated_place_is_known_by_its_last_part(labelled_reader):
    # Russia, 27 September 2020: "We call on the parties [to the Karabakh conflict] to immediately cease fire"
    # veils the labelled "Parties to the Nagorno-Karabakh conflict"
    reading = labelled_reader.read(turn(labelled_item("karabakh-ru-001"), labelled_reader.registry))
    assert reading.answer_class("karabakh_parties") == "oblique"
    # the whole word still counts, and a text that does not speak of the place brings no one in
    assert labelled_reader.read(Turn("All parties to the Nagorno-Karabakh conflict must stop.", None, "2020-09-27",
                                     "russia")).answer_class("karabakh_parties") == "oblique"
    assert labelled_reader.read(Turn("All parties must stop fighting.", None, "2020-09-27",
                                     "russia")).answer_class("karabakh_parties") == "absent"


def test_the_parties_to_a_conflict_are_the_sides_of_the_state_it_is_in(reader):
    # Russia, 15 April 2023: "The dramatic events taking place in Sudan cause serious concern in Moscow. We
    # call on the parties to the conflict to show political will and restraint"
    reading = reader.read(turn(labelled_item("v2-ru-011"), reader.registry))
    assert [f.text for f in reading.answer[reader.registry.canonical("sudan_military")].forms] == ["the parties to the conflict"]
    # "all parties" of a matter that is no fight are not the state's own sides
    text = "Japan's decision concerns the whole region. We urge all parties to act prudently."
    other = reader.read(Turn(text, None, "2021-04-13", "china"))
    assert other.answer_class("japan_opposition") == "absent"
    assert other.answer_class("suga") == "absent"


def test_an_international_organisation_is_a_forum_not_a_side(reader):
    # China, 11 April 2019, on Libya after a closed-door session of the UN Security Council: "We hope that all
    # parties to the conflict in Libya will ..." veils Libya's sides, not the Council
    reading = reader.read(turn(labelled_item("fmprc-20190411-09"), reader.registry))
    assert reading.question["un_security_council"].cls == "named"
    assert reading.answer_class("un_security_council") == "absent"
    assert [f.text for f in reading.answer["sarraj"].forms] == ["all parties to the conflict"]
    # and "our partners" may still be one
    partners = reader.read(Turn("We will work with our partners on this.", "What will you do with NATO?", "2019-04-11",
                                "united_states"))
    assert partners.answer_class("nato") == "oblique"


def test_a_ministry_never_veils_a_place_its_state_counts_as_its_own(reader):
    # China, 20 February 2019, asked about Taiwan's loan to Nicaragua: "China is committed to developing
    # relations with other countries on the basis of the one-China principle"
    reading = reader.read(turn(labelled_item("v2-cn-080"), reader.registry))
    assert reading.answer_class("nicaragua") == "oblique"
    assert reading.answer_class("taiwan") == "absent"
    assert reader.registry.claims["hong_kong"] == ("china",)
    # another ministry's "other countries" may still veil it
    other = reader.read(Turn("We will deepen ties with other countries.", "What about Taiwan?", "2019-02-20", "united_states"))
    assert other.answer_class("taiwan") == "oblique"


def test_a_ministrys_own_armed_forces_are_its_side(reader):
    # "both sides" of the two militaries' dialogue are the PLA and the US military: China veils only the other
    reading = reader.read(Turn("Both sides agreed to strengthen military exchanges.",
                               "The PLA and the US military held a dialogue yesterday. Can you give us more details?",
                               "2019-11-18", "china"))
    assert reading.answer_class("pla") == "absent"
    assert [f.text for f in reading.answer["united_states_military"].forms] == ["Both sides"]
