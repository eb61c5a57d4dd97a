-- Open Doors working tables, written by fic-mirror (mirror export opendoors).
-- Schema: otwcode/open-doors-eFiction opendoors/open-doors-tables-working.sql (all utf8mb4).
SET NAMES utf8mb4;
SET FOREIGN_KEY_CHECKS = 0;
SET SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES';
SET SQL_NOTES = 0;

DROP TABLE IF EXISTS `authors`;
CREATE TABLE `authors` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(255) NOT NULL DEFAULT '',
  `email` varchar(255) NOT NULL DEFAULT '',
  `imported` tinyint(1) NOT NULL DEFAULT '0',
  `do_not_import` tinyint(1) NOT NULL DEFAULT '0',
  `to_delete` tinyint(1) DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `stories`;
CREATE TABLE `stories` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(255) NOT NULL DEFAULT '',
  `summary` text,
  `notes` text,
  `date` datetime DEFAULT NULL,
  `updated` datetime DEFAULT NULL,
  `categories` varchar(45) DEFAULT NULL,
  `tags` varchar(255) NOT NULL DEFAULT '',
  `warnings` varchar(255) DEFAULT '',
  `fandoms` varchar(255) DEFAULT '',
  `characters` varchar(1024) DEFAULT '',
  `relationships` varchar(1024) DEFAULT '',
  `language_code` varchar(5) DEFAULT 'en',
  `url` varchar(255) DEFAULT NULL,
  `imported` tinyint(1) NOT NULL DEFAULT '0',
  `do_not_import` tinyint(1) NOT NULL DEFAULT '0',
  `ao3_url` varchar(255) DEFAULT NULL,
  `import_notes` varchar(1024) DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `chapters`;
CREATE TABLE `chapters` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `position` bigint(22) DEFAULT NULL,
  `title` varchar(255) NOT NULL DEFAULT '',
  `text` mediumtext,
  `date` datetime DEFAULT NULL,
  `story_id` int(11) DEFAULT '0',
  `notes` text,
  `url` varchar(1024) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `storyid` (`story_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `tags`;
CREATE TABLE `tags` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `original_tagid` int(11) DEFAULT NULL,
  `original_tag` varchar(1024) DEFAULT NULL,
  `original_type` varchar(255) DEFAULT NULL,
  `original_parent` varchar(255) DEFAULT NULL,
  `original_description` varchar(1024) DEFAULT NULL,
  `ao3_tag` varchar(1024) DEFAULT NULL,
  `ao3_tag_type` varchar(255) DEFAULT NULL,
  `ao3_tag_category` varchar(255) DEFAULT NULL,
  `ao3_tag_fandom` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `item_tags`;
CREATE TABLE `item_tags` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `item_id` int(11) DEFAULT NULL,
  `item_type` enum('story','story_link','chapter') DEFAULT NULL,
  `tag_id` int(11) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `item_authors`;
CREATE TABLE `item_authors` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `author_id` int(11) NOT NULL,
  `item_id` int(11) NOT NULL,
  `item_type` enum('story','story_link','chapter') DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `item_id` (`item_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `authors` (`id`, `name`, `email`, `imported`, `do_not_import`, `to_delete`) VALUES
(7,'Zoë','',0,0,0),
(12,'Иван Петров','',0,0,0);
INSERT INTO `stories` (`id`, `title`, `summary`, `notes`, `date`, `updated`, `categories`, `tags`, `warnings`, `fandoms`, `characters`, `relationships`, `language_code`, `url`, `imported`, `do_not_import`, `ao3_url`, `import_notes`) VALUES
(3,'The Long Winter','<p>Two friends, one <em>very</em> long winter.</p>','<p>Thanks to my beta.</p>','2010-03-14 00:00:00','2011-01-02 00:00:00',NULL,'','','','','','en','http://archive-a.example/fiction/viewstory.php?sid=3',0,0,NULL,'series: The Saga (id 4)'),
(8,'Members Only','<p>Only for members.</p>','','2012-06-01 00:00:00',NULL,NULL,'','','','','','en','http://archive-a.example/fiction/viewstory.php?sid=8',0,1,NULL,'restricted: members-only on the archive, text not mirrored'),
(12,'Зима “близко” 🌨 it\'s','<p>Zoë’s story — ¿qué? 日本語 🐉</p>','It\'s \"quoted\", a back\\slash \\n (not a newline), \\\' and a real\nnewline, CR\r, tab	, ^Z\Z.','2020-12-31 00:00:00','2021-01-01 00:00:00',NULL,'','','','','','en','http://archive-a.example/fiction/viewstory.php?sid=12',0,0,NULL,'chapter ids derived (1000000000 + sid*1000 + position) for position 1');
INSERT INTO `chapters` (`id`, `position`, `title`, `text`, `date`, `story_id`, `notes`, `url`) VALUES
(30,1,'Snow','<p>It snowed.</p>\n<p>And snowed.</p>',NULL,3,'<p>Written for Winter Fest.</p>','http://archive-a.example/fiction/viewstory.php?sid=3&chapter=1'),
(31,2,'Thaw','<p>Spring came at last.</p>',NULL,3,'<hr />\n<p>End notes:</p>\n<p>The end.</p>','http://archive-a.example/fiction/viewstory.php?sid=3&chapter=2'),
(1000012001,1,'Глава 1: «Начало» \'x\' \\','<p>“Hello,” said Zoë. 🦔 It\'s \"quoted\", a back\\slash \\n (not a newline), \\\' and a real\nnewline, CR\r, tab	, ^Z\Z.</p>',NULL,12,'','http://archive-a.example/fiction/viewstory.php?sid=12&chapter=1');
INSERT INTO `tags` (`id`, `original_tagid`, `original_tag`, `original_type`, `original_parent`, `original_description`, `ao3_tag`, `ao3_tag_type`, `ao3_tag_category`, `ao3_tag_fandom`) VALUES
(1,NULL,'Adult','rating','',NULL,NULL,NULL,NULL,NULL),
(2,NULL,'G','rating','',NULL,NULL,NULL,NULL,NULL),
(3,NULL,'PG-13','rating','',NULL,NULL,NULL,NULL,NULL),
(4,2,'Original Fiction','category','',NULL,NULL,NULL,NULL,NULL),
(5,5,'Bert','character','',NULL,NULL,NULL,NULL,NULL),
(6,8,'Anna','character','',NULL,NULL,NULL,NULL,NULL),
(7,9,'Фёдор','character','',NULL,NULL,NULL,NULL,NULL),
(8,NULL,'Zoë','character','',NULL,NULL,NULL,NULL,NULL),
(9,10,'Drama','class','Genre',NULL,NULL,NULL,NULL,NULL),
(10,11,'Friendship','class','Genre',NULL,NULL,NULL,NULL,NULL),
(11,12,'Romance','class','Genre',NULL,NULL,NULL,NULL,NULL),
(12,30,'Gen','class','Type',NULL,NULL,NULL,NULL,NULL),
(13,20,'Mild Language','class','Warnings',NULL,NULL,NULL,NULL,NULL),
(14,1,'Winter Fest 2010','challenge','',NULL,NULL,NULL,NULL,NULL);
INSERT INTO `item_tags` (`id`, `item_id`, `item_type`, `tag_id`) VALUES
(1,3,'story',3),
(2,3,'story',4),
(3,3,'story',6),
(4,3,'story',5),
(5,3,'story',9),
(6,3,'story',10),
(7,3,'story',13),
(8,3,'story',12),
(9,3,'story',14),
(10,8,'story',1),
(11,8,'story',4),
(12,8,'story',11),
(13,12,'story',2),
(14,12,'story',7),
(15,12,'story',8),
(16,12,'story',9);
INSERT INTO `item_authors` (`id`, `author_id`, `item_id`, `item_type`) VALUES
(1,12,3,'story'),
(2,7,3,'story'),
(3,7,8,'story'),
(4,7,12,'story');

SET FOREIGN_KEY_CHECKS = 1;
